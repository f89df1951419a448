import ffnkit.api.EmbeddingModel;
import ffnkit.eval.data.BeirDataset;
import ffnkit.eval.data.BeirFiles;
import ffnkit.eval.metrics.ExactSearch;
import ffnkit.eval.metrics.RetrievalMetrics;
import java.nio.file.Path;
import java.util.*;

/**
 * Per-query nDCG@10 for paired significance tests (docs/RESULTS.md, Table C): the retrieval protocol
 * of `ffnkit eval --limit-queries Q --corpus-limit C` on wordnet-gloss-example (first Q judged
 * queries, corpus limit C, seed 42), computed the same way as Evaluation.retrieval, for each model.
 * Writes OUT.tsv with one row per query and one column per model (header: "query" and the model
 * arguments as given); each model's mean goes to stderr. MODEL is a model name or a .safetensors file.
 * The dataset folder is datasets/wordnet-gloss-example unless PERQUERY_DATASET names another, e.g.
 * all 32,324 WordNet queries: `ffnkit data wordnet --queries 40000 --out DIR`, DIR/wordnet-gloss-example.
 * With PERQUERY_COSINES=FILE it also writes, per text (the queries, then the documents) and per model,
 * the cosine between the model's embedding and the first model's (the reference): fidelity on the
 * retrieval texts themselves, a sample far larger than the 300 parity sentences. With
 * PERQUERY_AGREEMENT=FILE it writes, per query and model, the share of the first model's top 10
 * documents that the model also returns (RetrievalMetrics.topKAgreement on that query).
 *
 * Run from the repo root (it reads datasets/wordnet-gloss-example) after a build, as
 * scripts/ffsplit-small-heavy.sh does:
 *   . scripts/java-env.sh && find_jdk25
 *   $JAVA_HOME/bin/java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Dffnkit.home=$PWD \
 *     -cp "ffnkit-cli/target/classes:$(cat ffnkit-cli/target/classpath.txt)" scripts/PerQuery.java Q C OUT.tsv MODEL...
 */
public class PerQuery {
    public static void main(String[] a) throws Exception {
        int nq = Integer.parseInt(a[0]), cl = Integer.parseInt(a[1]);
        BeirDataset data = BeirFiles.read(Path.of(
                System.getenv().getOrDefault("PERQUERY_DATASET", "datasets/wordnet-gloss-example"))).sample(nq, cl, 42);
        List<BeirDataset.Query> queries = new ArrayList<>();
        for (BeirDataset.Query q : data.queries()) {
            Map<String, Integer> rels = data.qrels().get(q.id());
            if (rels != null && rels.values().stream().anyMatch(r -> r >= 1)) queries.add(q);
        }
        if (queries.size() > nq) queries = queries.subList(0, nq);
        List<double[]> cols = new ArrayList<>();
        String cosinesFile = System.getenv("PERQUERY_COSINES");
        float[][] reference = null;
        List<double[]> cosines = new ArrayList<>();
        String agreementFile = System.getenv("PERQUERY_AGREEMENT");
        int[][] referenceTop = null;
        List<double[]> agreements = new ArrayList<>();
        for (int mi = 3; mi < a.length; mi++) {
            try (EmbeddingModel m = EmbeddingModel.load(a[mi])) {
                m.batchSize(64);
                float[][] q = embed(m, queries.stream().map(x -> m.queryPrefix() + x.text()).toList());
                float[][] c = embed(m, data.corpus().stream().map(x -> m.passagePrefix() + x.fullText()).toList());
                if (cosinesFile != null) {
                    float[][] all = new float[q.length + c.length][];
                    System.arraycopy(q, 0, all, 0, q.length);
                    System.arraycopy(c, 0, all, q.length, c.length);
                    if (reference == null) reference = all;
                    double[] cos = new double[all.length];
                    double sum = 0;
                    for (int i = 0; i < all.length; i++) {
                        for (int j = 0; j < all[i].length; j++) cos[i] += (double) all[i][j] * reference[i][j];
                        sum += cos[i];
                    }
                    cosines.add(cos);
                    System.err.printf("%s mean cosine %.6f over %d texts%n", a[mi], sum / all.length, all.length);
                }
                ExactSearch.Hits hits = ExactSearch.search(q, c, 100);
                if (agreementFile != null) {
                    if (referenceTop == null) referenceTop = hits.indices();
                    double[] ag = new double[queries.size()];
                    for (int i = 0; i < ag.length; i++)
                        ag[i] = RetrievalMetrics.topKAgreement(new int[][] {hits.indices()[i]}, new int[][] {referenceTop[i]}, 10);
                    agreements.add(ag);
                }
                double[] nd = new double[queries.size()];
                double s = 0;
                for (int i = 0; i < queries.size(); i++) {
                    List<String> ranked = new ArrayList<>();
                    for (int d : hits.indices()[i]) ranked.add(data.corpus().get(d).id());
                    nd[i] = RetrievalMetrics.ndcg(ranked, data.qrels().get(queries.get(i).id()), 10);
                    s += nd[i];
                }
                cols.add(nd);
                System.err.printf("%s ndcg@10 %.6f%n", a[mi], s / nd.length);
            }
        }
        writePerQuery(Path.of(a[2]), a, queries, cols);
        if (agreementFile != null) writePerQuery(Path.of(agreementFile), a, queries, agreements);
        if (cosinesFile != null) {
            StringBuilder b = new StringBuilder("text");
            for (int mi = 3; mi < a.length; mi++) b.append('\t').append(a[mi]);
            b.append('\n');
            for (int i = 0; i < reference.length; i++) {
                b.append(i < queries.size() ? "q:" + queries.get(i).id() : "d:" + data.corpus().get(i - queries.size()).id());
                for (double[] c : cosines) b.append('\t').append((float) c[i]);
                b.append('\n');
            }
            java.nio.file.Files.writeString(Path.of(cosinesFile), b);
        }
    }

    /** One row per query, one column per model (header: "query" and the model arguments as given). */
    static void writePerQuery(Path file, String[] a, List<BeirDataset.Query> queries, List<double[]> cols) throws Exception {
        StringBuilder b = new StringBuilder("query");
        for (int mi = 3; mi < a.length; mi++) b.append('\t').append(a[mi]);
        b.append('\n');
        for (int i = 0; i < queries.size(); i++) {
            b.append(queries.get(i).id());
            for (double[] c : cols) b.append('\t').append(c[i]);
            b.append('\n');
        }
        java.nio.file.Files.writeString(file, b);
    }

    static float[][] embed(EmbeddingModel m, List<String> texts) {
        float[][] out = new float[texts.size()][];
        for (int s = 0; s < texts.size(); s += 64) {
            float[][] r = m.embed(texts.subList(s, Math.min(texts.size(), s + 64)));
            System.arraycopy(r, 0, out, s, r.length);
        }
        for (float[] row : out) {
            double n = 0;
            for (float x : row) n += (double) x * x;
            float inv = (float) (1 / Math.sqrt(n));
            if (n > 0) for (int j = 0; j < row.length; j++) row[j] *= inv;
        }
        return out;
    }
}
