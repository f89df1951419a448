package ffnkit.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import ffnkit.api.EmbeddingModel;
import ffnkit.compress.Calibration;
import ffnkit.compress.Compressor;
import ffnkit.eval.Evaluation;
import ffnkit.eval.RetrievalResult;
import ffnkit.eval.bench.ModelBench;
import ffnkit.eval.bench.OrtEncoder;
import ffnkit.eval.data.BeirDataset;
import ffnkit.eval.data.BeirFiles;
import ffnkit.eval.metrics.Fidelity;
import ffnkit.kernels.Parallel;
import ffnkit.util.Progress;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "demo", description = {
        "The main job: compress a model with FFSplit and compare it with the original.",
        "Compresses the model's FFNs at the recommended setting and shows, side by side with the original, the "
                + "size, the fidelity (cosine to the original on held-out sentences), retrieval on "
                + "wordnet-gloss-example and the speed at batch 8 x 128 tokens, against ONNX Runtime too.",
        "Without compression flags: --heavy 0.25 --heavy-bits 8 --light awq --bits 4 --group 128. Once any of "
                + "--heavy, --light, --rank, --whiten, --refit, --bits or --heavy-bits is given, the defaults listed "
                + "below (those of ffnkit compress) apply instead. Add --out FILE to keep the model."})
final class DemoCommand implements Callable<Integer> {

    @Mixin
    ModelOptions model;

    @Mixin
    CalibrationOptions calibration;

    @Mixin
    CompressOptions compress;

    /** As typed: a String, so that a trailing '/' is seen (see {@link OutputPaths#checkFile}). */
    @Option(names = "--out", paramLabel = "FILE", description = "Also save the compressed model.")
    String outArg;

    /** --out once checked, or null. */
    private java.nio.file.Path out;

    @Option(names = "--limit-queries", defaultValue = "500", paramLabel = "N", description = "Retrieval queries (default: ${DEFAULT-VALUE}; 0 = all 3,000).")
    int limitQueries;

    @Option(names = "--corpus-limit", defaultValue = "10000", paramLabel = "N",
            description = "Documents searched: the judged ones plus seeded distractors (default: ${DEFAULT-VALUE}; 0 = all 48,152).")
    int corpusLimit;

    @Option(names = "--json", description = "Print JSON (keys in the README).")
    boolean json;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    /**
     * The recommended setting when no compression flag is given: 25% heavy neurons kept in 8 bits,
     * the light part in 4-bit AWQ (group 128). Of the settings measured in docs/RESULTS.md it is the
     * one with negligible loss (mean cosine 0.99, nDCG@10 unchanged) at -83% FFN bytes. It is slower
     * than the dense engine at large batches (docs/BENCHMARKS.md); no measured low-rank setting is
     * both faster and faithful without fine-tuning, and the demo prints the speed it measures.
     */
    private void applyRecommended() {
        for (String flag : new String[] {"--heavy", "--light", "--rank", "--up-rank-share", "--whiten", "--refit", "--bits", "--heavy-bits"}) {
            if (Flags.given(spec, flag)) {
                return;
            }
        }
        compress.light = "awq";
        compress.bits = 4;
        compress.heavyBits = 8;
    }

    @Override
    public Integer call() throws Exception {
        if (limitQueries < 0 || corpusLimit < 0) {
            throw new UserError("--limit-queries and --corpus-limit must be at least 0 (0 = all), got " + limitQueries
                    + " and " + corpusLimit);
        }
        if (calibration.limit == null && calibration.saved == null) {
            calibration.limit = 1000;
        }
        applyRecommended();
        Compressor.Options options = compress.toOptions();
        calibration.checkFlags(options.refit());
        if (outArg != null) {
            out = OutputPaths.checkFile("--out", outArg);
        }
        calibration.checkSave(model);
        calibration.refuseOverlap("--out", out); // (none without --out)
        try (EmbeddingModel original = model.open(); EmbeddingModel compressed = model.open()) {
            int positions = original.encoder().config().maxPositions();
            if (positions < 128) {
                // checked now: the timing comes last, after minutes of compression and evaluation
                throw new UserError("demo times batches of 8 x 128 tokens and " + original.name() + " takes at most "
                        + positions + ": use ffnkit compress, eval and bench --seq " + positions + " instead");
            }
            Progress progress = Progress.stderr();
            Calibration cal = calibration.obtain(compressed, compress.needsActivationGram());
            List<int[]> refitIds = options.refit() ? calibration.tokenizedTexts(compressed) : List.of();
            System.err.println("demo: compressing with " + options.label());
            Compressor.Report size = Compressor.compress(compressed.encoder(), cal, options, refitIds, null);
            if (out != null) {
                new CompressCommandSaver(original, compressed, options, cal).save(out);
            }

            List<String> texts = TextInput.readAll(Home.dataset("parity/sentences.txt")).stream()
                    .filter(s -> !s.isBlank()).toList();
            Fidelity.Summary fidelity = Fidelity.compare(compressed.embed(texts), original.embed(texts));

            BeirDataset data = BeirFiles.read(Home.dataset("wordnet-gloss-example"));
            if (corpusLimit > 0) {
                data = data.sample(limitQueries, corpusLimit, 42);
            }
            Evaluation.RetrievalOptions ro = new Evaluation.RetrievalOptions(original.queryPrefix(), original.passagePrefix(),
                    Evaluation.DEFAULT_BATCH, limitQueries);
            Evaluation.RetrievalComparison retrieval = Evaluation.compareRetrieval(new ModelEmbedder(compressed),
                    new ModelEmbedder(original), data, ro, progress);

            int threads = Parallel.shared().threads();
            // a Hugging Face folder (or a saved model made from one) has no ONNX file for ONNX Runtime to run
            boolean withOrt = original.onnxSourceName() != null;
            System.err.printf("demo: timing batch 8 x 128 tokens, %d threads (ours dense, ours compressed%s)...%n", threads,
                    withOrt ? ", ONNX Runtime" : "; no ONNX original, so no ONNX Runtime");
            int[][] ids = BenchCommand.realIds(original, BenchCommand.tokenStream(original, 400), 8, 128);
            ModelBench.Result dense;
            ModelBench.Result fast;
            try (OrtEncoder ort = withOrt ? new OrtEncoder(original.readOnnxSource(), threads) : null) {
                dense = ModelBench.run(original.encoder(), ort, ids, threads, 2, 7);
                fast = ModelBench.run(compressed.encoder(), null, ids, threads, 2, 7);
            }
            print(original.name(), options, size, fidelity, retrieval, data.corpus().size(), dense, fast, withOrt);
        }
        return 0;
    }

    private void print(String name, Compressor.Options o, Compressor.Report size, Fidelity.Summary f,
                       Evaluation.RetrievalComparison retrieval, int corpus, ModelBench.Result dense, ModelBench.Result fast,
                       boolean withOrt) throws Exception {
        RetrievalResult before = retrieval.reference();
        RetrievalResult after = retrieval.model();
        double speedupVsDense = dense.ms() / fast.ms();
        Double ortMs = withOrt ? dense.ortMs() : null; // null in the JSON without an ONNX original
        Double speedupVsOrt = withOrt ? dense.ortMs() / fast.ms() : null;
        if (json) {
            ObjectMapper mapper = new ObjectMapper();
            ObjectNode n = mapper.createObjectNode();
            n.put("model", name);
            n.put("method", o.label());
            n.put("nonembedding_params_before", size.nonEmbeddingParamsBefore());
            n.put("nonembedding_params_after", size.nonEmbeddingParamsAfter());
            n.put("bytes_before", size.bytesBefore());
            n.put("bytes_after", size.bytesAfter());
            n.put("mean_cosine", f.meanCosine());
            n.put("p01_cosine", f.p01Cosine());
            n.put("min_cosine", f.minCosine());
            n.put("ndcg_at_10_before", before.ndcgAt10());
            n.put("ndcg_at_10_after", after.ndcgAt10());
            n.put("mrr_at_10_before", before.mrrAt10());
            n.put("mrr_at_10_after", after.mrrAt10());
            n.put("top10_agreement", retrieval.top10Agreement());
            n.put("retrieval_queries", before.queries());
            n.put("retrieval_corpus", corpus);
            n.put("dense_ms", dense.ms());
            n.put("ms", fast.ms());
            n.put("ort_ms", ortMs);
            n.put("speedup_vs_dense", speedupVsDense);
            n.put("speedup_vs_ort", speedupVsOrt);
            System.out.println(mapper.writerWithDefaultPrettyPrinter().writeValueAsString(n));
            return;
        }
        System.out.printf("%s compressed with FFSplit: %s%n", name, o.label());
        Table t = new Table("", "original", "compressed", "change");
        t.row("non-embedding parameters", size.nonEmbeddingParamsBefore(), size.nonEmbeddingParamsAfter(),
                CompressCommand.change(size.nonEmbeddingParamsBefore(), size.nonEmbeddingParamsAfter()));
        t.row("weights MB", CompressCommand.mb(size.bytesBefore()), CompressCommand.mb(size.bytesAfter()),
                CompressCommand.change(size.bytesBefore(), size.bytesAfter()));
        t.row("fidelity: mean cosine to original", "1", String.format("%.4f", f.meanCosine()), "");
        t.row("fidelity: 1st-percentile cosine", "1", String.format("%.4f", f.p01Cosine()), "");
        t.row("nDCG@10 (" + before.queries() + " queries, " + corpus + " docs)", String.format("%.4f", before.ndcgAt10()),
                String.format("%.4f", after.ndcgAt10()), String.format("%+.4f", after.ndcgAt10() - before.ndcgAt10()));
        t.row("MRR@10", String.format("%.4f", before.mrrAt10()), String.format("%.4f", after.mrrAt10()),
                String.format("%+.4f", after.mrrAt10() - before.mrrAt10()));
        t.row("top-10 documents shared with original", "1", String.format("%.4f", retrieval.top10Agreement()), "");
        t.row("ms per batch 8x128 (ours)", String.format("%.1f", dense.ms()), String.format("%.1f", fast.ms()),
                String.format("%.2fx speed", speedupVsDense));
        if (withOrt) {
            t.row("ms per batch 8x128 (ONNX Runtime)", String.format("%.1f", ortMs), "",
                    String.format("%.2fx speed vs ORT", speedupVsOrt));
        }
        System.out.print(t);
    }
}
