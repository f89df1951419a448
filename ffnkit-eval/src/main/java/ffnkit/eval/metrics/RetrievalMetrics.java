package ffnkit.eval.metrics;

import java.util.List;
import java.util.Map;

/**
 * Ranking metrics computed the way BEIR reports them (BEIR's {@code EvaluateRetrieval.evaluate},
 * i.e. trec_eval semantics through pytrec_eval, and BEIR's own MRR):
 * <ul>
 *   <li>a document is relevant when its qrels score is at least 1; unjudged documents are not;</li>
 *   <li>nDCG@k: gain = the qrels score itself (linear, not 2^rel - 1), discount log2(rank + 1) with
 *       rank starting at 1; the ideal DCG sorts all judged positive scores of the query in
 *       decreasing order and cuts at k;</li>
 *   <li>Recall@k: relevant documents in the top k / all relevant documents of the query;</li>
 *   <li>MRR@k: 1 / rank of the first relevant document in the top k, 0 if none;</li>
 *   <li>averages over the queries that have at least one relevant document (a query without any
 *       cannot be scored); such a query missing from the run counts 0 for every metric.</li>
 * </ul>
 * The ranked lists must already be in rank order; ties are the search's business
 * ({@link ExactSearch} documents its rule).
 */
public final class RetrievalMetrics {

    /** Averages over {@code queries} queries. */
    public record Scores(double ndcgAt10, double mrrAt10, double recallAt1, double recallAt10, double recallAt100,
                         int queries) {
    }

    private RetrievalMetrics() {
    }

    /**
     * @param run   query id -> document ids in rank order (at least 100 long to make Recall@100 exact)
     * @param qrels query id -> (document id -> graded relevance)
     */
    public static Scores evaluate(Map<String, List<String>> run, Map<String, Map<String, Integer>> qrels) {
        double ndcg = 0, mrr = 0, r1 = 0, r10 = 0, r100 = 0;
        int n = 0;
        for (var entry : qrels.entrySet()) {
            Map<String, Integer> rels = entry.getValue();
            if (rels.values().stream().noneMatch(r -> r >= 1)) {
                continue;
            }
            List<String> ranked = run.getOrDefault(entry.getKey(), List.of());
            ndcg += ndcg(ranked, rels, 10);
            mrr += reciprocalRank(ranked, rels, 10);
            r1 += recall(ranked, rels, 1);
            r10 += recall(ranked, rels, 10);
            r100 += recall(ranked, rels, 100);
            n++;
        }
        if (n == 0) {
            throw new IllegalArgumentException("no query has a relevant document (qrels score >= 1): nothing to evaluate");
        }
        return new Scores(ndcg / n, mrr / n, r1 / n, r10 / n, r100 / n, n);
    }

    public static double ndcg(List<String> ranked, Map<String, Integer> rels, int k) {
        double dcg = 0;
        for (int i = 0; i < Math.min(k, ranked.size()); i++) {
            int rel = rels.getOrDefault(ranked.get(i), 0);
            if (rel > 0) {
                dcg += rel / log2(i + 2);
            }
        }
        int[] ideal = rels.values().stream().filter(r -> r > 0).mapToInt(Integer::intValue)
                .boxed().sorted((a, b) -> Integer.compare(b, a)).mapToInt(Integer::intValue).toArray();
        double idcg = 0;
        for (int i = 0; i < Math.min(k, ideal.length); i++) {
            idcg += ideal[i] / log2(i + 2);
        }
        return idcg == 0 ? 0 : dcg / idcg;
    }

    public static double recall(List<String> ranked, Map<String, Integer> rels, int k) {
        long relevant = rels.values().stream().filter(r -> r >= 1).count();
        if (relevant == 0) {
            return 0;
        }
        int found = 0;
        for (int i = 0; i < Math.min(k, ranked.size()); i++) {
            if (rels.getOrDefault(ranked.get(i), 0) >= 1) {
                found++;
            }
        }
        return (double) found / relevant;
    }

    public static double reciprocalRank(List<String> ranked, Map<String, Integer> rels, int k) {
        for (int i = 0; i < Math.min(k, ranked.size()); i++) {
            if (rels.getOrDefault(ranked.get(i), 0) >= 1) {
                return 1.0 / (i + 1);
            }
        }
        return 0;
    }

    /**
     * Top-k agreement of two rankings of the same queries: the mean over queries of
     * |top k of a ∩ top k of b| / k (1: the same k documents, in any order; 0: none shared). It
     * measures how far a compressed model retrieves what the original retrieves, without
     * relevance judgements. With fewer than k documents ranked, k is the longer ranking's length
     * (two full rankings of a 3-document corpus agree fully).
     */
    public static double topKAgreement(int[][] a, int[][] b, int k) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("rankings of " + a.length + " and " + b.length + " queries");
        }
        if (a.length == 0 || k < 1) {
            throw new IllegalArgumentException("need at least one query and k >= 1");
        }
        double sum = 0;
        for (int q = 0; q < a.length; q++) {
            java.util.Set<Integer> top = new java.util.HashSet<>();
            for (int i = 0; i < Math.min(k, b[q].length); i++) {
                top.add(b[q][i]);
            }
            int shared = 0;
            for (int i = 0; i < Math.min(k, a[q].length); i++) {
                if (top.contains(a[q][i])) {
                    shared++;
                }
            }
            sum += (double) shared / Math.max(1, Math.min(k, Math.max(a[q].length, b[q].length)));
        }
        return sum / a.length;
    }

    private static double log2(int x) {
        return Math.log(x) / Math.log(2);
    }
}
