package ffnkit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import ffnkit.eval.TextEmbedder;
import ffnkit.eval.data.BeirDataset;
import ffnkit.eval.data.BeirFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EvalCommandTest {

    /** Embeds a text as the letter counts of a-z: enough to rank "apple" documents for "apple" queries. */
    static final class Letters implements TextEmbedder {
        final List<String> seen = new ArrayList<>();
        boolean closed;

        @Override
        public float[][] embed(List<String> texts) {
            seen.addAll(texts);
            float[][] out = new float[texts.size()][26];
            for (int t = 0; t < texts.size(); t++) {
                for (char c : texts.get(t).toCharArray()) {
                    if (c >= 'a' && c <= 'z') {
                        out[t][c - 'a']++;
                    }
                }
            }
            return out;
        }

        @Override
        public void close() {
            closed = true;
        }
    }

    private static Path dataset(Path dir) {
        BeirFiles.write(new BeirDataset(
                List.of(new BeirDataset.Query("q1", "apple"), new BeirDataset.Query("q2", "zzz")),
                List.of(new BeirDataset.Document("d1", "", "apple"), new BeirDataset.Document("d2", "", "zzz")),
                Map.of("q1", Map.of("d1", 1), "q2", Map.of("d2", 1))), dir);
        return dir;
    }

    @Test
    void retrievalPrintsTheDocumentedJsonKeys(@TempDir Path dir) throws Exception {
        List<Letters> opened = new ArrayList<>();
        Function<String, TextEmbedder> open = name -> {
            Letters l = new Letters();
            opened.add(l);
            return l;
        };
        var r = DataCommandTest.run(new EvalCommand(open), "--model", "some/e5-small-v2", "--task", "retrieval",
                "--data", dataset(dir).toString(), "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode json = new ObjectMapper().readTree(r.out());
        for (String key : List.of("ndcg_at_10", "mrr_at_10", "recall_at_1", "recall_at_10", "recall_at_100")) {
            assertEquals(1.0, json.get(key).asDouble(), key);
        }
        assertEquals(2, json.get("queries").asInt());
        assertEquals(2, json.get("corpus_size").asInt());
        assertTrue(opened.get(0).seen.contains("query: apple"), "e5 gets its prefixes: " + opened.get(0).seen);
        assertTrue(opened.get(0).seen.contains("passage: zzz"), opened.get(0).seen.toString());
        assertTrue(opened.get(0).closed);
        assertTrue(r.err().contains("embedding corpus 2/2"), "progress on stderr: " + r.err());
    }

    @Test
    void explicitEmptyPrefixOverridesTheE5Default(@TempDir Path dir) {
        Letters l = new Letters();
        var r = DataCommandTest.run(new EvalCommand(name -> l), "--model", "e5-small-v2", "--query-prefix", "",
                "--passage-prefix", "", "--data", dataset(dir).toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(l.seen.contains("apple"), l.seen.toString());
        assertTrue(r.out().contains("ndcg_at_10") && r.out().contains("1.0000"), "human table: " + r.out());
    }

    @Test
    void fidelityAgainstAReference(@TempDir Path dir) throws Exception {
        Path texts = Files.writeString(dir.resolve("texts.txt"), "apple\nbanana\n\ncherry\n");
        Function<String, TextEmbedder> open = name -> name.equals("same") ? new Letters() : batch -> {
            float[][] e = new Letters().embed(batch);
            e[e.length - 1][25] += 10; // the last text of each batch drifts
            return e;
        };
        var same = DataCommandTest.run(new EvalCommand(open), "--model", "same", "--reference", "same",
                "--task", "fidelity", "--data", texts.toString(), "--json");
        assertEquals(0, same.code(), same.err());
        JsonNode s = new ObjectMapper().readTree(same.out());
        assertEquals(1.0, s.get("mean_cosine").asDouble(), 1e-9);
        assertEquals(3, s.get("texts").asInt(), "blank lines are not texts");

        var drift = DataCommandTest.run(new EvalCommand(open), "--model", "drift", "--reference", "same",
                "--task", "fidelity", "--data", texts.toString(), "--json", "--batch", "8");
        JsonNode d = new ObjectMapper().readTree(drift.out());
        assertEquals(2, d.get("worst_index").asInt());
        assertTrue(d.get("min_cosine").asDouble() < 0.5 && d.get("p01_cosine").asDouble() == d.get("min_cosine").asDouble());
    }

    @Test
    void clearErrors(@TempDir Path dir) {
        var noReference = DataCommandTest.run(new EvalCommand(name -> new Letters()), "--model", "m", "--task", "fidelity",
                "--data", dir.toString());
        assertEquals(1, noReference.code());
        assertTrue(noReference.err().contains("--reference"), noReference.err());

        var noData = DataCommandTest.run(new EvalCommand(name -> new Letters()), "--model", "m", "--reference", "r",
                "--task", "fidelity");
        assertEquals(1, noData.code());
        assertTrue(noData.err().contains("--data FILE"), noData.err());

        var missing = DataCommandTest.run(new EvalCommand(name -> new Letters()), "--model", "m",
                "--data", dir.resolve("nope").toString());
        assertEquals(1, missing.code());
        assertTrue(missing.err().startsWith("error: data set directory not found: "), missing.err());

        var unwired = DataCommandTest.run(new EvalCommand(), "--model", "m", "--data", dataset(dir).toString());
        assertEquals(1, unwired.code());
        assertTrue(unwired.err().contains("not wired"), unwired.err());
    }
}
