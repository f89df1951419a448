package ffnkit.eval;

import ffnkit.eval.data.BeirDataset;
import ffnkit.eval.metrics.ExactSearch;
import ffnkit.eval.metrics.Fidelity;
import ffnkit.eval.metrics.RetrievalMetrics;
import ffnkit.util.Progress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Library entry points: retrieval on a BEIR data set and fidelity against a reference model, each
 * given the models as {@link TextEmbedder}s.
 */
public final class Evaluation {

    public static final int DEFAULT_BATCH = 64;
    /** Documents kept per query: enough for Recall@100. */
    static final int TOP_K = 100;

    /**
     * @param queryPrefix   put before every query (e5 models need "query: ")
     * @param passagePrefix put before every document (e5 models need "passage: ")
     * @param batchSize     texts per {@link TextEmbedder#embed} call
     * @param limitQueries  evaluate only the first N queries that have judgements (0 = all)
     * @param corpusLimit   0: search the whole corpus. N > 0: search only the documents judged for
     *                      the evaluated queries plus distractors drawn with {@code seed}, N documents
     *                      in all (see {@link BeirDataset#sample}); much faster, but the scores are
     *                      only comparable with scores taken with the same limit and seed
     * @param seed          draws the distractors when {@code corpusLimit > 0}
     */
    public record RetrievalOptions(String queryPrefix, String passagePrefix, int batchSize, int limitQueries,
                                   int corpusLimit, long seed) {
        public static final long DEFAULT_SEED = 42;

        public RetrievalOptions {
            if (batchSize < 1 || limitQueries < 0 || corpusLimit < 0) {
                throw new IllegalArgumentException("batch size must be >= 1, query and corpus limits >= 0");
            }
        }

        /** Whole corpus. */
        public RetrievalOptions(String queryPrefix, String passagePrefix, int batchSize, int limitQueries) {
            this(queryPrefix, passagePrefix, batchSize, limitQueries, 0, DEFAULT_SEED);
        }

        public static RetrievalOptions defaults() {
            return new RetrievalOptions("", "", DEFAULT_BATCH, 0);
        }
    }

    private Evaluation() {
    }

    public static RetrievalResult retrieval(TextEmbedder embedder, BeirDataset data, RetrievalOptions options,
                                            Progress progress) {
        return search(embedder, sample(data, options), options, progress).result();
    }

    /**
     * A model and a reference (the original it was compressed from) on the same queries and
     * documents: each one's scores, and how far the model's top 10 agree with the reference's
     * ({@link RetrievalMetrics#topKAgreement}). Judgements say how good each ranking is; agreement
     * says how much compression changed it, which small nDCG differences cannot resolve.
     */
    public record RetrievalComparison(RetrievalResult model, RetrievalResult reference, double top10Agreement) {
    }

    public static RetrievalComparison compareRetrieval(TextEmbedder model, TextEmbedder reference, BeirDataset data,
                                                       RetrievalOptions options, Progress progress) {
        BeirDataset sampled = sample(data, options);
        Ranking a = search(model, sampled, options, progress);
        Ranking b = search(reference, sampled, options, progress);
        return new RetrievalComparison(a.result(), b.result(), RetrievalMetrics.topKAgreement(a.top(), b.top(), 10));
    }

    /** One model's scores and its ranked document indices per evaluated query. */
    private record Ranking(RetrievalResult result, int[][] top) {
    }

    private static BeirDataset sample(BeirDataset data, RetrievalOptions options) {
        return options.corpusLimit() > 0 ? data.sample(options.limitQueries(), options.corpusLimit(), options.seed()) : data;
    }

    private static Ranking search(TextEmbedder embedder, BeirDataset data, RetrievalOptions options, Progress progress) {
        // as BEIR's loader: only queries with judgements take part, in file order
        List<BeirDataset.Query> queries = new ArrayList<>();
        for (BeirDataset.Query q : data.queries()) {
            Map<String, Integer> rels = data.qrels().get(q.id());
            if (rels != null && rels.values().stream().anyMatch(r -> r >= 1)) {
                queries.add(q);
            }
        }
        if (options.limitQueries() > 0 && queries.size() > options.limitQueries()) {
            queries = queries.subList(0, options.limitQueries());
        }
        if (queries.isEmpty()) {
            throw new IllegalArgumentException("no query of the data set has a relevant document in the qrels");
        }
        if (data.corpus().isEmpty()) {
            throw new IllegalArgumentException("the corpus is empty");
        }
        float[][] q = embedAll(embedder, queries.stream().map(BeirDataset.Query::text).toList(),
                options.queryPrefix(), options.batchSize(), "embedding queries", progress);
        float[][] c = embedAll(embedder, data.corpus().stream().map(BeirDataset.Document::fullText).toList(),
                options.passagePrefix(), options.batchSize(), "embedding corpus", progress);
        normaliseRows(q);
        normaliseRows(c);
        ExactSearch.Hits hits = ExactSearch.search(q, c, TOP_K);

        Map<String, List<String>> run = new LinkedHashMap<>();
        Map<String, Map<String, Integer>> qrels = new LinkedHashMap<>();
        for (int i = 0; i < queries.size(); i++) {
            List<String> ranked = new ArrayList<>(hits.indices()[i].length);
            for (int d : hits.indices()[i]) {
                ranked.add(data.corpus().get(d).id());
            }
            run.put(queries.get(i).id(), ranked);
            qrels.put(queries.get(i).id(), data.qrels().get(queries.get(i).id()));
        }
        RetrievalMetrics.Scores s = RetrievalMetrics.evaluate(run, qrels);
        return new Ranking(new RetrievalResult(s.ndcgAt10(), s.mrrAt10(), s.recallAt1(), s.recallAt10(), s.recallAt100(),
                s.queries(), data.corpus().size()), hits.indices());
    }

    public static FidelityResult fidelity(TextEmbedder model, TextEmbedder reference, List<String> texts,
                                          int batchSize, Progress progress) {
        if (texts.isEmpty()) {
            throw new IllegalArgumentException("no texts to compare");
        }
        float[][] a = embedAll(model, texts, "", batchSize, "embedding with the model", progress);
        float[][] b = embedAll(reference, texts, "", batchSize, "embedding with the reference", progress);
        Fidelity.Summary s = Fidelity.compare(a, b);
        return new FidelityResult(s.meanCosine(), s.p01Cosine(), s.minCosine(), s.worstIndex(), s.texts());
    }

    /** Embeds {@code texts} (each with {@code prefix} in front) in batches, reporting progress. */
    public static float[][] embedAll(TextEmbedder embedder, List<String> texts, String prefix, int batchSize,
                                     String label, Progress progress) {
        float[][] out = new float[texts.size()][];
        for (int start = 0; start < texts.size(); start += batchSize) {
            int end = Math.min(texts.size(), start + batchSize);
            List<String> batch = new ArrayList<>(end - start);
            for (String t : texts.subList(start, end)) {
                batch.add(prefix.isEmpty() ? t : prefix + t);
            }
            float[][] rows = embedder.embed(batch);
            if (rows == null || rows.length != batch.size()) {
                throw new IllegalStateException("the embedder returned " + (rows == null ? "null" : rows.length + " rows")
                        + " for " + batch.size() + " texts");
            }
            System.arraycopy(rows, 0, out, start, rows.length);
            progress.update(label, end, texts.size());
        }
        return out;
    }

    /** L2-normalises in place, so that a dot product is a cosine whatever the model's pooling did. */
    static void normaliseRows(float[][] rows) {
        for (float[] row : rows) {
            double sum = 0;
            for (float v : row) {
                sum += (double) v * v;
            }
            if (sum > 0) {
                float inv = (float) (1 / Math.sqrt(sum));
                for (int i = 0; i < row.length; i++) {
                    row[i] *= inv;
                }
            }
        }
    }
}
