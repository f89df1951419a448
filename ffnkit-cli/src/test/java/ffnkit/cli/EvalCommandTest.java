package ffnkit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import ffnkit.eval.TextEmbedder;
import ffnkit.eval.data.BeirDataset;
import ffnkit.eval.data.BeirFiles;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EvalCommandTest {

    static final List<String> RETRIEVAL_KEYS = List.of("task", "model", "data", "query_prefix", "passage_prefix",
            "ndcg_at_10", "mrr_at_10", "recall_at_1", "recall_at_10", "recall_at_100", "queries", "corpus_size", "seconds");
    static final List<String> FIDELITY_KEYS = List.of("task", "model", "reference", "data", "mean_cosine", "p01_cosine",
            "min_cosine", "worst_index", "texts", "seconds");

    /** Embeds a text as the letter counts of a-z: enough to rank "apple" documents for "apple" queries. */
    static class Letters implements TextEmbedder {
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

    /** A model that, like e5, declares the prefixes it was trained with. */
    static final class PrefixedLetters extends Letters {
        @Override
        public String queryPrefix() {
            return "query: ";
        }

        @Override
        public String passagePrefix() {
            return "passage: ";
        }
    }

    private static Path dataset(Path dir) {
        BeirFiles.write(new BeirDataset(
                List.of(new BeirDataset.Query("q1", "apple"), new BeirDataset.Query("q2", "zzz")),
                List.of(new BeirDataset.Document("d1", "", "apple"), new BeirDataset.Document("d2", "", "zzz")),
                Map.of("q1", Map.of("d1", 1), "q2", Map.of("d2", 1))), dir);
        return dir;
    }

    /** 3 queries, each with one relevant document, among 40 documents. */
    private static Path bigger(Path dir) {
        List<BeirDataset.Document> docs = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            docs.add(new BeirDataset.Document("d" + i, "", "document " + (char) ('a' + i % 26) + " number " + i));
        }
        Map<String, Map<String, Integer>> qrels = new LinkedHashMap<>();
        qrels.put("q1", Map.of("d5", 1));
        qrels.put("q2", Map.of("d17", 1));
        qrels.put("q3", Map.of("d33", 1));
        BeirFiles.write(new BeirDataset(List.of(new BeirDataset.Query("q1", "f"), new BeirDataset.Query("q2", "r"),
                new BeirDataset.Query("q3", "h")), docs, qrels), dir);
        return dir;
    }

    static DataCommandTest.Run run(Function<String, TextEmbedder> open, String... args) {
        return DataCommandTest.run(new EvalCommand(open), args);
    }

    @Test
    void retrievalPrintsTheDocumentedJsonKeysAndUsesTheModelsPrefixes(@TempDir Path dir) throws Exception {
        List<Letters> opened = new ArrayList<>();
        var r = run(name -> {
            Letters l = new PrefixedLetters();
            opened.add(l);
            return l;
        }, "--model", "m", "--task", "retrieval", "--data", dataset(dir).toString(), "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode json = new ObjectMapper().readTree(r.out());
        assertEquals(RETRIEVAL_KEYS, iterable(json), "keys and their order");
        for (String key : List.of("ndcg_at_10", "mrr_at_10", "recall_at_1", "recall_at_10", "recall_at_100")) {
            assertEquals(1.0, json.get(key).asDouble(), key);
        }
        assertEquals(2, json.get("queries").asInt());
        assertEquals(2, json.get("corpus_size").asInt());
        assertEquals("query: ", json.get("query_prefix").asText());
        assertTrue(opened.get(0).seen.contains("query: apple"), "the model's own prefixes: " + opened.get(0).seen);
        assertTrue(opened.get(0).seen.contains("passage: zzz"), opened.get(0).seen.toString());
        assertTrue(opened.get(0).closed);
        assertTrue(r.err().contains("embedding corpus 2/2"), "progress on stderr: " + r.err());
        assertFalse(r.out().contains("embedding"), "no progress on stdout");
    }

    @Test
    void prefixesComeFromTheModelNotItsName(@TempDir Path dir) {
        Letters l = new Letters();
        var r = run(name -> l, "--model", "my-e5-copy", "--data", dataset(dir).toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(l.seen.contains("apple") && !l.seen.contains("query: apple"), l.seen.toString());
    }

    @Test
    void explicitEmptyPrefixOverridesTheModels(@TempDir Path dir) {
        Letters l = new PrefixedLetters();
        var r = run(name -> l, "--query-prefix", "", "--passage-prefix", "", "--data", dataset(dir).toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(l.seen.contains("apple"), l.seen.toString());
        assertTrue(r.out().contains("ndcg_at_10") && r.out().contains("1.0000"), "human table: " + r.out());
        assertTrue(r.out().contains("query_prefix    \"\""), "prefixes quoted in the table: " + r.out());
    }

    @Test
    void corpusLimitKeepsJudgedDocumentsAndASeededSample(@TempDir Path dir) throws Exception {
        Path data = bigger(dir);
        Letters a = new Letters();
        var r = run(name -> a, "--data", data.toString(), "--limit-queries", "2", "--corpus-limit", "10", "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode json = new ObjectMapper().readTree(r.out());
        assertEquals(2, json.get("queries").asInt());
        assertEquals(10, json.get("corpus_size").asInt());
        assertEquals(10, json.get("corpus_limit").asInt());
        assertEquals(42, json.get("seed").asInt());
        assertTrue(r.err().contains("not with whole-corpus scores"), r.err());
        assertTrue(a.seen.contains("document f number 5") && a.seen.contains("document r number 17"),
                "judged documents are always searched: " + a.seen);
        assertFalse(a.seen.contains("document h number 33"), "q3 is not evaluated, so its document is only a candidate");

        Letters again = new Letters();
        run(name -> again, "--data", data.toString(), "--limit-queries", "2", "--corpus-limit", "10");
        assertEquals(a.seen, again.seen, "the same seed gives the same corpus");
        Letters other = new Letters();
        run(name -> other, "--data", data.toString(), "--limit-queries", "2", "--corpus-limit", "10", "--seed", "7");
        assertNotEquals(new HashSet<>(a.seen), new HashSet<>(other.seen), "another seed, other distractors");
    }

    @Test
    void fidelityAgainstAReference(@TempDir Path dir) throws Exception {
        Path texts = Files.writeString(dir.resolve("texts.txt"), "apple\nbanana\n\ncherry\n");
        Function<String, TextEmbedder> open = name -> name.equals("same") ? new Letters() : batch -> {
            float[][] e = new Letters().embed(batch);
            e[e.length - 1][25] += 10; // the last text of each batch drifts
            return e;
        };
        var same = run(open, "--model", "same", "--reference", "same", "--task", "fidelity", "--data", texts.toString(), "--json");
        assertEquals(0, same.code(), same.err());
        JsonNode s = new ObjectMapper().readTree(same.out());
        assertEquals(FIDELITY_KEYS, iterable(s));
        assertEquals(1.0, s.get("mean_cosine").asDouble(), 1e-9);
        assertEquals(3, s.get("texts").asInt(), "blank lines are not texts");

        var drift = run(open, "--model", "drift", "--reference", "same", "--task", "fidelity", "--data", texts.toString(),
                "--json", "--batch", "8");
        JsonNode d = new ObjectMapper().readTree(drift.out());
        assertEquals(2, d.get("worst_index").asInt());
        assertTrue(d.get("min_cosine").asDouble() < 0.5 && d.get("p01_cosine").asDouble() == d.get("min_cosine").asDouble());
    }

    @Test
    void retrievalWithAReferenceScoresBothAndTheirTopTenAgreement(@TempDir Path dir) throws Exception {
        Path data = bigger(dir);
        // "flipped" turns one coordinate around (the count of 'd', which every document has), which
        // reorders the documents by their other letters: part of its top 10 differs from "same"'s
        Function<String, TextEmbedder> open = name -> name.equals("same") ? new Letters() : batch -> {
            float[][] e = new Letters().embed(batch);
            for (float[] row : e) {
                row[3] = -row[3] - 5;
            }
            return e;
        };
        var same = run(open, "--model", "same", "--reference", "same", "--data", data.toString(), "--json");
        assertEquals(0, same.code(), same.err());
        JsonNode s = new ObjectMapper().readTree(same.out());
        List<String> keys = new ArrayList<>(RETRIEVAL_KEYS);
        keys.add(2, "reference");
        keys.addAll(keys.indexOf("seconds"), List.of("reference_ndcg_at_10", "reference_mrr_at_10", "top10_agreement"));
        assertEquals(keys, iterable(s), "keys and their order");
        assertEquals(1.0, s.get("top10_agreement").asDouble(), 1e-12);
        assertEquals(s.get("ndcg_at_10").asDouble(), s.get("reference_ndcg_at_10").asDouble(), 1e-12);

        var other = run(open, "--model", "flipped", "--reference", "same", "--data", data.toString(), "--json");
        JsonNode o = new ObjectMapper().readTree(other.out());
        double alone = new ObjectMapper().readTree(run(open, "--model", "flipped", "--data", data.toString(), "--json").out())
                .get("ndcg_at_10").asDouble();
        assertEquals(alone, o.get("ndcg_at_10").asDouble(), 1e-12, "the model's own scores");
        assertEquals(s.get("ndcg_at_10").asDouble(), o.get("reference_ndcg_at_10").asDouble(), 1e-12, "the reference's");
        assertTrue(o.get("top10_agreement").asDouble() < 0.9, o.toString());
    }

    @Test
    void judgementsThatNameUnknownQueriesOrDocumentsAreReported(@TempDir Path dir) throws Exception {
        // ids that do not match (a typo, another split's qrels) used to change the scores silently
        Path data = dataset(dir);
        Files.writeString(data.resolve("qrels.tsv"), "query-id\tcorpus-id\tscore\nq1\td1\t1\nq2\tdX\t1\nqZ\td1\t1\n");
        var r = run(name -> new Letters(), "--data", data.toString(), "--json");
        assertEquals(0, r.code(), r.err());
        assertEquals(0.5, new ObjectMapper().readTree(r.out()).get("ndcg_at_10").asDouble(), 1e-9,
                "as BEIR: a judged document missing from the corpus still counts as relevant");
        assertTrue(r.err().contains("1 judged query id not in queries.jsonl (e.g. 'qZ')"), r.err());
        assertTrue(r.err().contains("1 relevant document id not in corpus.jsonl (e.g. 'dX')"), r.err());

        Letters quiet = new Letters();
        var clean = run(name -> quiet, "--data", dataset(dir.resolve("clean")).toString());
        assertFalse(clean.err().contains("warning"), clean.err());

        Files.writeString(data.resolve("qrels.tsv"), "query-id\tcorpus-id\tscore\nQ1\td1\t1\n");
        assertError(run(name -> new Letters(), "--data", data.toString()), 1,
                "none of the 1 judged query ids in the qrels is in queries.jsonl (e.g. 'Q1')");
    }

    @Test
    void fidelityRefusesModelsOfDifferentDimensionsBeforeEmbeddingTheFile(@TempDir Path dir) throws Exception {
        Path texts = Files.writeString(dir.resolve("texts.txt"), "apple\nbanana\ncherry\n");
        Letters wide = new Letters();
        Function<String, TextEmbedder> open = name -> name.equals("wide") ? wide : batch -> new float[batch.size()][3];
        var r = run(open, "--model", "wide", "--reference", "narrow", "--task", "fidelity", "--data", texts.toString());
        assertError(r, 1, "--model wide gives 26-dimensional embeddings, --reference narrow 3-dimensional");
        assertTrue(wide.seen.size() <= 1, "checked on one text, not after the whole file: " + wide.seen);
    }

    @Test
    void fidelityOnAFileWithoutTextsNamesTheFile(@TempDir Path dir) throws Exception {
        Path empty = java.nio.file.Files.writeString(dir.resolve("empty.txt"), "\n\n");
        assertError(run(name -> new Letters(), "--reference", "r", "--task", "fidelity", "--data", empty.toString()), 1,
                "--data " + empty + " has no texts to compare: give a file with one text per line");
    }

    @Test
    void clearErrors(@TempDir Path dir) {
        Function<String, TextEmbedder> open = name -> new Letters();
        assertError(run(open, "--task", "fidelity", "--data", dir.toString()), 1, "--reference");
        assertError(run(open, "--reference", "r", "--task", "fidelity"), 1, "--data FILE");
        assertError(run(open, "--data", dir.resolve("nope").toString()), 1, "data set directory not found: ");
        assertError(run(open, "--data", dir.toString()), 1, "queries.jsonl");
        assertError(run(open, "--reference", "r", "--task", "fidelity", "--data", dir.toString(), "--corpus-limit", "5"),
                1, "retrieval only");
        assertError(run(open, "--batch", "0"), 1, "--batch must be between 1 and 65536");
        assertError(run(open, "--batch", "100000"), 1, "--batch must be between 1 and 65536");
        assertError(run(open, "--corpus-limit", "-1"), 1, "--corpus-limit must be at least 0");
        assertError(run(open, "--limit-queries", "-1"), 1, "--limit-queries must be at least 0");
        assertError(run(open, "--limit-queries", "many"), 2, "(see: ffnkit eval --help)");
        assertError(run(open, "--task", "ranking"), 2, "--task");
        assertError(run(open, "--unknown"), 2, "--unknown");
    }

    private static void assertError(DataCommandTest.Run r, int code, String message) {
        assertEquals(code, r.code(), r.err());
        String first = r.err().lines().findFirst().orElse("");
        assertTrue(first.startsWith("ffnkit: error: ") && first.contains(message), "one-line error with '" + message + "': " + r.err());
        assertEquals("", r.out());
    }

    /** The real command line with our engine: registered in Main, default data set, the model's prefixes. */
    @Test
    void throughMainWithTheEngine() throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(new PrintWriter(out), new PrintWriter(err), "eval", "--model", "all-minilm-l6-v2",
                "--limit-queries", "10", "--corpus-limit", "100", "--json");
        assertEquals(0, code, err.toString());
        JsonNode json = new ObjectMapper().readTree(out.toString());
        assertEquals(10, json.get("queries").asInt());
        assertEquals(100, json.get("corpus_size").asInt());
        assertTrue(json.get("data").asText().endsWith("wordnet-gloss-example"), json.toString());
        assertTrue(json.get("recall_at_100").asDouble() > 0.5, "a real model finds most judged documents among 100: " + json);

        StringWriter err2 = new StringWriter();
        assertEquals(1, Main.run(new PrintWriter(new StringWriter()), new PrintWriter(err2), "eval", "--model", "no-such-model"));
        assertTrue(err2.toString().startsWith("ffnkit: error: "), err2.toString());
    }

    private static List<String> iterable(JsonNode json) {
        List<String> keys = new ArrayList<>();
        json.fieldNames().forEachRemaining(keys::add);
        return keys;
    }
}
