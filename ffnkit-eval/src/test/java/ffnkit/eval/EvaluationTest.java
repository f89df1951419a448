package ffnkit.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ffnkit.eval.data.BeirDataset;
import ffnkit.util.Progress;
import ffnkit.eval.data.BeirFiles;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EvaluationTest {

    /** A lexical stand-in for a model: words hashed into 256 dimensions (prefix words included). */
    static final class BagOfWords implements TextEmbedder {
        final List<String> seen = new ArrayList<>();
        int largestBatch;

        @Override
        public float[][] embed(List<String> texts) {
            seen.addAll(texts);
            largestBatch = Math.max(largestBatch, texts.size());
            float[][] out = new float[texts.size()][256];
            for (int t = 0; t < texts.size(); t++) {
                for (String w : texts.get(t).toLowerCase(Locale.ROOT).split("[^a-z]+")) {
                    if (!w.isEmpty()) {
                        out[t][Math.floorMod(w.hashCode(), 256)] += 1;
                    }
                }
            }
            return out;
        }
    }

    private static BeirDataset tiny() {
        return new BeirDataset(
                List.of(new BeirDataset.Query("q1", "red apple"), new BeirDataset.Query("q2", "blue sky"),
                        new BeirDataset.Query("q3", "no judgements")),
                List.of(new BeirDataset.Document("d1", "", "green grass"), new BeirDataset.Document("d2", "", "a red apple"),
                        new BeirDataset.Document("d3", "Sky", "the blue sky")),
                Map.of("q1", Map.of("d2", 1), "q2", Map.of("d3", 1)));
    }

    @Test
    void perfectRankingScoresOne() {
        var bag = new BagOfWords();
        var out = new ByteArrayOutputStream();
        var r = Evaluation.retrieval(bag, tiny(), new Evaluation.RetrievalOptions("query: ", "passage: ", 2, 0),
                Progress.to(new PrintStream(out, true, StandardCharsets.UTF_8)));
        assertEquals(new RetrievalResult(1, 1, 1, 1, 1, 2, 3), r);
        assertEquals(2, bag.largestBatch);
        assertTrue(bag.seen.contains("query: red apple"), bag.seen.toString());
        assertTrue(bag.seen.contains("passage: Sky the blue sky"), "title joined to text: " + bag.seen);
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("embedding corpus 3/3"), out.toString(StandardCharsets.UTF_8));
    }

    @Test
    void limitKeepsTheFirstJudgedQueries() {
        var r = Evaluation.retrieval(new BagOfWords(), tiny(), new Evaluation.RetrievalOptions("", "", 64, 1), Progress.silent());
        assertEquals(1, r.queries());
        assertEquals(3, r.corpusSize());
    }

    @Test
    void fidelityOfAModelWithItselfIsOne() {
        List<String> texts = List.of("one text", "another text", "a third");
        var same = Evaluation.fidelity(new BagOfWords(), new BagOfWords(), texts, 2, Progress.silent());
        assertEquals(1.0, same.meanCosine(), 1e-6);
        assertEquals(1.0, same.minCosine(), 1e-6);
        TextEmbedder shifted = batch -> {
            float[][] e = new BagOfWords().embed(batch);
            e[0][0] += 1; // first text of every batch moves
            return e;
        };
        var other = Evaluation.fidelity(shifted, new BagOfWords(), texts, 2, Progress.silent());
        assertTrue(other.minCosine() < 0.99, other.toString());
        assertEquals(3, other.texts());
    }

    @Test
    void comparisonScoresBothModelsAndTheirTopTenAgreement() {
        BeirDataset data = committed();
        var options = new Evaluation.RetrievalOptions("", "", 512, 200, 2000, 42);
        TextEmbedder coarse = batch -> {
            // the same words folded into 128 dimensions: the new collisions change part of the ranking
            float[][] fine = new BagOfWords().embed(batch);
            float[][] out = new float[fine.length][128];
            for (int t = 0; t < fine.length; t++) {
                for (int j = 0; j < fine[t].length; j++) {
                    out[t][j % 128] += fine[t][j];
                }
            }
            return out;
        };
        var c = Evaluation.compareRetrieval(coarse, new BagOfWords(), data, options, Progress.silent());
        assertEquals(Evaluation.retrieval(coarse, data, options, Progress.silent()), c.model());
        assertEquals(Evaluation.retrieval(new BagOfWords(), data, options, Progress.silent()), c.reference());
        assertTrue(c.top10Agreement() > 0.3 && c.top10Agreement() < 0.95, "agreement " + c.top10Agreement());
        var same = Evaluation.compareRetrieval(new BagOfWords(), new BagOfWords(), data, options, Progress.silent());
        assertEquals(1.0, same.top10Agreement(), 1e-12);
        assertEquals(same.model(), same.reference());
    }

    @Test
    void anEmbedderThatDropsRowsIsCaught() {
        TextEmbedder broken = batch -> new float[batch.size() - 1][4];
        assertThrows(IllegalStateException.class,
                () -> Evaluation.retrieval(broken, tiny(), Evaluation.RetrievalOptions.defaults(), Progress.silent()));
    }

    private static BeirDataset committed() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("datasets/wordnet-gloss-example"))) {
                return BeirFiles.read(p.resolve("datasets/wordnet-gloss-example"));
            }
        }
        throw new IllegalStateException("datasets/ not found");
    }

    /**
     * End to end on the committed data with an oracle that knows the answers: query i is the unit
     * vector e_i and a document is the sum of e_i over the selected queries it is relevant to. Every
     * relevant document then scores > 0 and every other one 0, so all metrics must be exactly 1;
     * anything else means ids, order or batching went wrong somewhere in the pipeline.
     */
    @Test
    void oracleOnTheCommittedDataScoresOne() {
        BeirDataset data = committed();
        int n = 300;
        Map<String, Integer> queryIndex = new java.util.HashMap<>();
        Map<String, List<Integer>> docQueries = new java.util.HashMap<>();
        Map<String, String> docIdByText = new java.util.HashMap<>();
        data.corpus().forEach(d -> docIdByText.put(d.fullText(), d.id()));
        for (int i = 0; i < n; i++) {
            BeirDataset.Query q = data.queries().get(i);
            queryIndex.put(q.text(), i);
            for (String doc : data.qrels().get(q.id()).keySet()) {
                docQueries.computeIfAbsent(doc, k -> new ArrayList<>()).add(i);
            }
        }
        TextEmbedder oracle = batch -> {
            float[][] out = new float[batch.size()][n];
            for (int t = 0; t < batch.size(); t++) {
                String text = batch.get(t);
                if (text.startsWith("q: ")) {
                    out[t][queryIndex.get(text.substring(3))] = 1;
                } else {
                    for (int i : docQueries.getOrDefault(docIdByText.get(text.substring(3)), List.of())) {
                        out[t][i] = 1;
                    }
                }
            }
            return out;
        };
        var r = Evaluation.retrieval(oracle, data, new Evaluation.RetrievalOptions("q: ", "p: ", 1000, n), Progress.silent());
        assertEquals(new RetrievalResult(1, 1, r.recallAt1(), 1, 1, n, 48152), r);
        // Recall@1 < 1 exactly where a query has several relevant documents: 1 / (number relevant)
        double expectedR1 = 0;
        for (int i = 0; i < n; i++) {
            expectedR1 += 1.0 / data.qrels().get(data.queries().get(i).id()).size();
        }
        assertEquals(expectedR1 / n, r.recallAt1(), 1e-12);
    }

    /** Word overlap is a weak but real signal on this task (definitions rarely share words with examples). */
    @Test
    void lexicalBaselineBeatsChance() {
        var r = Evaluation.retrieval(new BagOfWords(), committed(), new Evaluation.RetrievalOptions("", "", 512, 300),
                Progress.silent());
        assertEquals(300, r.queries());
        // chance: about 1.5 relevant documents among 48152 -> Recall@100 ~ 0.002
        assertTrue(r.recallAt100() > 0.005 && r.ndcgAt10() < 0.9, r.toString());
        assertTrue(r.recallAt100() >= r.recallAt10() && r.recallAt10() >= r.recallAt1(), r.toString());
    }
}
