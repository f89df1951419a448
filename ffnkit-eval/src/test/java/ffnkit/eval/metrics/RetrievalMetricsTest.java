package ffnkit.eval.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Hand-computed values; log2(2)=1, log2(3)=1.5849625, log2(4)=2, log2(5)=2.3219281, log2(6)=2.5849625. */
class RetrievalMetricsTest {

    private static final double EPS = 1e-9;

    @Test
    void twoRelevantDocumentsAtRanksTwoAndFour() {
        // relevant: d1, d3 (binary). Ranking: d2, d1, d4, d3.
        // DCG@10  = 1/log2(3) + 1/log2(5) = 0.6309298 + 0.4306766 = 1.0616064
        // IDCG@10 = 1/log2(2) + 1/log2(3) = 1 + 0.6309298 = 1.6309298
        // nDCG@10 = 1.0616064 / 1.6309298 = 0.6509209
        // MRR@10 = 1/2 (first relevant at rank 2); Recall@1 = 0/2; Recall@10 = 2/2
        Map<String, Integer> rels = Map.of("d1", 1, "d3", 1);
        List<String> ranked = List.of("d2", "d1", "d4", "d3");
        assertEquals(0.6509209298071326, RetrievalMetrics.ndcg(ranked, rels, 10), EPS);
        assertEquals(0.5, RetrievalMetrics.reciprocalRank(ranked, rels, 10), EPS);
        assertEquals(0.0, RetrievalMetrics.recall(ranked, rels, 1), EPS);
        assertEquals(1.0, RetrievalMetrics.recall(ranked, rels, 10), EPS);
        // cut at 3: only d1 counts: DCG = 0.6309298, IDCG still 1.6309298 -> 0.3868528; Recall@3 = 1/2
        assertEquals(0.6309297535714575 / 1.6309297535714575, RetrievalMetrics.ndcg(ranked, rels, 3), EPS);
        assertEquals(0.5, RetrievalMetrics.recall(ranked, rels, 3), EPS);
    }

    @Test
    void gradedRelevanceUsesLinearGains() {
        // rels: a=2, b=1, c=3. Ranking: b, x, a, y, c.
        // DCG  = 1/log2(2) + 2/log2(4) + 3/log2(6) = 1 + 1 + 1.1605584 = 3.1605584
        // IDCG = 3/log2(2) + 2/log2(3) + 1/log2(4) = 3 + 1.2618595 + 0.5 = 4.7618595
        // nDCG = 0.6637236 (with 2^rel-1 gains it would be 0.5956, so this pins the linear gain)
        Map<String, Integer> rels = Map.of("a", 2, "b", 1, "c", 3);
        List<String> ranked = List.of("b", "x", "a", "y", "c");
        assertEquals(3.160558421703625 / 4.7618595071429155, RetrievalMetrics.ndcg(ranked, rels, 10), EPS);
        assertEquals(1.0, RetrievalMetrics.reciprocalRank(ranked, rels, 10), EPS);
        assertEquals(1.0 / 3, RetrievalMetrics.recall(ranked, rels, 1), EPS);
    }

    @Test
    void zeroScoredJudgementsAreNotRelevant() {
        // z is judged 0: no gain, not counted in recall's denominator, not a hit for MRR.
        // Ranking z, r: DCG = 1/log2(3) = 0.6309298, IDCG = 1 -> nDCG 0.6309298; MRR = 1/2; Recall@1 = 0/1
        Map<String, Integer> rels = Map.of("z", 0, "r", 1);
        List<String> ranked = List.of("z", "r");
        assertEquals(0.6309297535714575, RetrievalMetrics.ndcg(ranked, rels, 10), EPS);
        assertEquals(0.5, RetrievalMetrics.reciprocalRank(ranked, rels, 10), EPS);
        assertEquals(0.0, RetrievalMetrics.recall(ranked, rels, 1), EPS);
        assertEquals(1.0, RetrievalMetrics.recall(ranked, rels, 2), EPS);
    }

    @Test
    void relevantDocumentBeyondTheCutoffCountsOnlyForRecallAt100() {
        // the only relevant document is at rank 11: nDCG@10 = 0, MRR@10 = 0, Recall@10 = 0, Recall@100 = 1
        List<String> ranked = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            ranked.add("n" + i);
        }
        ranked.add("hit");
        var scores = RetrievalMetrics.evaluate(Map.of("q", ranked), Map.of("q", Map.of("hit", 1)));
        assertEquals(0.0, scores.ndcgAt10(), EPS);
        assertEquals(0.0, scores.mrrAt10(), EPS);
        assertEquals(0.0, scores.recallAt10(), EPS);
        assertEquals(1.0, scores.recallAt100(), EPS);
    }

    @Test
    void moreRelevantDocumentsThanTheCutoff() {
        // 12 relevant documents, the top 10 are all relevant: DCG@10 = IDCG@10 -> nDCG 1; Recall@10 = 10/12
        Map<String, Integer> rels = new LinkedHashMap<>();
        List<String> ranked = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            rels.put("r" + i, 1);
            ranked.add("r" + i);
        }
        assertEquals(1.0, RetrievalMetrics.ndcg(ranked, rels, 10), EPS);
        assertEquals(10.0 / 12, RetrievalMetrics.recall(ranked, rels, 10), EPS);
    }

    @Test
    void averagesOverQueriesWithRelevantDocuments() {
        // q1: relevant at rank 1 -> nDCG 1, MRR 1, R@1 1.
        // q2: relevant d1,d3 ranked d2,d1,d4,d3 -> nDCG 0.6509209, MRR 0.5, R@1 0, R@10 1.
        // q3: judged but nothing relevant -> skipped.  q4: relevant but absent from the run -> all 0.
        // means over 3 queries: nDCG (1 + 0.6509209 + 0)/3 = 0.5503070; MRR 1.5/3 = 0.5;
        // R@1 1/3; R@10 2/3
        Map<String, Map<String, Integer>> qrels = new LinkedHashMap<>();
        qrels.put("q1", Map.of("a", 1));
        qrels.put("q2", Map.of("d1", 1, "d3", 1));
        qrels.put("q3", Map.of("a", 0));
        qrels.put("q4", Map.of("a", 1));
        Map<String, List<String>> run = Map.of(
                "q1", List.of("a", "b"),
                "q2", List.of("d2", "d1", "d4", "d3"),
                "q3", List.of("a"));
        var s = RetrievalMetrics.evaluate(run, qrels);
        assertEquals(3, s.queries());
        assertEquals((1 + 0.6509209298071326) / 3, s.ndcgAt10(), EPS);
        assertEquals(0.5, s.mrrAt10(), EPS);
        assertEquals(1.0 / 3, s.recallAt1(), EPS);
        assertEquals(2.0 / 3, s.recallAt10(), EPS);
        assertEquals(2.0 / 3, s.recallAt100(), EPS);
    }

    @Test
    void nothingToEvaluateIsAnError() {
        assertThrows(IllegalArgumentException.class,
                () -> RetrievalMetrics.evaluate(Map.of(), Map.of("q", Map.of("a", 0))));
    }

    @Test
    void topKAgreementCountsSharedDocumentsWhateverTheirOrder() {
        int[][] a = {{1, 2, 3}, {4, 5, 6}};
        int[][] b = {{3, 2, 9}, {7, 8, 9}};
        // query 1 shares {2, 3} of 3, query 2 nothing: (2/3 + 0) / 2
        assertEquals(1.0 / 3, RetrievalMetrics.topKAgreement(a, b, 3), EPS);
        // top 2: {1, 2} vs {3, 2} share one, query 2 none: (1/2 + 0) / 2
        assertEquals(0.25, RetrievalMetrics.topKAgreement(a, b, 2), EPS);
        assertEquals(1.0, RetrievalMetrics.topKAgreement(a, new int[][] {{3, 1, 2}, {6, 5, 4}}, 3), EPS);
        // fewer documents than k: the longer ranking sets the denominator
        assertEquals(1.0, RetrievalMetrics.topKAgreement(new int[][] {{0, 1, 2}}, new int[][] {{2, 0, 1}}, 10), EPS);
        assertEquals(0.5, RetrievalMetrics.topKAgreement(new int[][] {{1}}, new int[][] {{1, 2}}, 10), EPS);
        assertThrows(IllegalArgumentException.class, () -> RetrievalMetrics.topKAgreement(a, new int[][] {{1}}, 3));
    }
}
