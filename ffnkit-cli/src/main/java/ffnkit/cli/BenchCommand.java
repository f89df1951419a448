package ffnkit.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import ffnkit.api.EmbeddingModel;
import ffnkit.eval.bench.ModelBench;
import ffnkit.eval.bench.OrtEncoder;
import ffnkit.kernels.Parallel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "bench", description = {
        "Time the whole model on real token ids (no padding), optionally against ONNX Runtime in the same process.",
        "Reports median ms per batch, sequences/s, GFLOP/s, the ratio ORT ms / our ms (> 1: we are faster) and peak RSS."})
final class BenchCommand implements Callable<Integer> {

    @Mixin
    ModelOptions model;

    @Option(names = "--batch", defaultValue = "8,32", paramLabel = "N[,N...]", description = "Batch sizes (default: ${DEFAULT-VALUE}).")
    String batches;

    @Option(names = "--seq", defaultValue = "128,256", paramLabel = "N[,N...]", description = "Sequence lengths in tokens (default: ${DEFAULT-VALUE}).")
    String seqs;

    @Option(names = "--vs-onnxruntime", description = "Also run ONNX Runtime (ALL_OPT, same intra-op threads) on the model's ONNX original, alternating with ours.")
    boolean vsOrt;

    @Option(names = "--vs-model", paramLabel = "MODEL", description = "Also run this model of ours (e.g. the dense built-in model a saved compressed one came from), alternating with the first, and report the speedup over it.")
    String vsModel;

    @Option(names = "--repetitions", defaultValue = "10", paramLabel = "N", description = "Timed runs per engine and configuration (default: ${DEFAULT-VALUE}).")
    int repetitions;

    @Option(names = "--warmup", defaultValue = "3", paramLabel = "N", description = "Untimed runs first (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--json", description = "Print JSON (keys in the README).")
    boolean json;

    @Override
    public Integer call() throws Exception {
        List<Integer> batchList = ModelBench.parseList(batches, "--batch");
        List<Integer> seqList = ModelBench.parseList(seqs, "--seq");
        if (repetitions < 1 || warmup < 0) {
            throw new UserError("--repetitions must be at least 1 and --warmup at least 0");
        }
        if (model.maxTokens != null) {
            // bench times fixed shapes: --seq sets the tokens per text, so a truncation would be ignored.
            throw new UserError("bench takes --seq for the tokens per text, not --max-tokens");
        }
        try (EmbeddingModel m = model.open();
             EmbeddingModel base = vsModel == null ? null : model.open(vsModel)) {
            int threads = Parallel.shared().threads();
            int max = m.encoder().config().maxPositions();
            for (int s : seqList) {
                if (s < 3 || s > max) {
                    throw new UserError("--seq " + s + " is out of range: this model takes 3 to " + max + " tokens");
                }
            }
            if (base != null) {
                // the baseline runs on the first model's token ids: say so now, not after the first model's warm-up
                var bc = base.encoder().config();
                for (int s : seqList) {
                    if (s > bc.maxPositions()) {
                        throw new UserError("--seq " + s + " is out of range for the --vs-model " + vsModel + ": it takes 3 to "
                                + bc.maxPositions() + " tokens; lower --seq or compare with a model of as many positions");
                    }
                }
                if (bc.vocabSize() < m.encoder().config().vocabSize()) {
                    throw new UserError("--vs-model " + vsModel + " has a vocabulary of " + bc.vocabSize()
                            + " tokens, fewer than the " + m.encoder().config().vocabSize() + " of " + m.name()
                            + " whose token ids it would run on: compare models that share a tokenizer");
                }
            }
            int[] stream = tokenStream(m, 3000);
            OrtEncoder ort = vsOrt ? new OrtEncoder(m.readOnnxSource(), threads) : null;
            List<ModelBench.Result> results = new ArrayList<>();
            try {
                for (int s : seqList) {
                    for (int b : batchList) {
                        System.err.printf("bench: batch %d x seq %d, %d threads...%n", b, s, threads);
                        int[][] ids = realIds(m, stream, b, s);
                        results.add(ModelBench.run(m.encoder(), base == null ? null : base.encoder(), ort, ids, threads,
                                warmup, repetitions));
                    }
                }
            } finally {
                if (ort != null) {
                    ort.close();
                }
            }
            print(m.name(), base == null ? null : base.name(), results);
        }
        return 0;
    }

    /** Token ids of the first {@code texts} committed calibration sentences, without [CLS]/[SEP], end to end. */
    static int[] tokenStream(EmbeddingModel m, int texts) throws Exception {
        List<String> all = TextInput.readAll(Home.dataset("calibration/wordnet-glosses.txt"));
        List<Integer> ids = new ArrayList<>();
        for (int[] seq : m.tokenize(all.subList(0, Math.min(all.size(), texts)))) {
            for (int i = 1; i < seq.length - 1; i++) {
                ids.add(seq[i]);
            }
        }
        return ids.stream().mapToInt(Integer::intValue).toArray();
    }

    /** batch sequences of exactly seq real token ids: windows of the stream between the model's [CLS] and [SEP]. */
    static int[][] realIds(EmbeddingModel m, int[] stream, int batch, int seq) {
        int[] clsSep = m.tokenize(List.of(""))[0];
        return ModelBench.realSequences(stream, batch, seq, clsSep[0], clsSep[1]);
    }

    private void print(String name, String baseName, List<ModelBench.Result> results) throws Exception {
        if (json) {
            ObjectMapper mapper = new ObjectMapper();
            ObjectNode root = mapper.createObjectNode();
            root.put("model", name);
            if (baseName != null) {
                root.put("baseline_model", baseName);
            }
            root.put("cpu_cores", Runtime.getRuntime().availableProcessors());
            ArrayNode list = root.putArray("results");
            for (ModelBench.Result r : results) {
                ObjectNode o = list.addObject();
                o.put("batch", r.batch());
                o.put("seq", r.seq());
                o.put("threads", r.threads());
                o.put("ms", r.ms());
                o.put("sequences_per_s", r.sequencesPerSecond());
                o.put("gflops", r.gflops());
                if (baseName != null) {
                    o.put("baseline_ms", r.baselineMs());
                    o.put("speedup_vs_baseline", r.speedupVsBaseline());
                }
                if (vsOrt) {
                    o.put("ort_ms", r.ortMs());
                    o.put("ort_sequences_per_s", r.ortSequencesPerSecond());
                    o.put("ort_gflops", r.ortGflops());
                    o.put("speedup_vs_ort", r.speedupVsOrt());
                }
                o.put("peak_rss_mb", r.peakRssMb());
            }
            System.out.println(mapper.writerWithDefaultPrettyPrinter().writeValueAsString(root));
            return;
        }
        Table t = vsOrt
                ? new Table("batch", "seq", "threads", "ms", "seq/s", "GFLOP/s", "ort ms", "ort seq/s", "ort GFLOP/s", "speedup vs ort", "peak RSS MB")
                : new Table("batch", "seq", "threads", "ms", "seq/s", "GFLOP/s", "peak RSS MB");
        for (ModelBench.Result r : results) {
            if (vsOrt) {
                t.row(r.batch(), r.seq(), r.threads(), fmt(r.ms()), fmt(r.sequencesPerSecond()), fmt(r.gflops()),
                        fmt(r.ortMs()), fmt(r.ortSequencesPerSecond()), fmt(r.ortGflops()),
                        String.format("%.2fx", r.speedupVsOrt()), r.peakRssMb());
            } else {
                t.row(r.batch(), r.seq(), r.threads(), fmt(r.ms()), fmt(r.sequencesPerSecond()), fmt(r.gflops()), r.peakRssMb());
            }
        }
        System.out.println("model: " + name);
        System.out.print(t);
        if (baseName != null) {
            for (ModelBench.Result r : results) {
                System.out.printf("batch %d x seq %d: %s %.1f ms, speedup vs %s %.2fx%n", r.batch(), r.seq(), baseName,
                        r.baselineMs(), baseName, r.speedupVsBaseline());
            }
        }
    }

    private static String fmt(double v) {
        return String.format("%.1f", v);
    }
}
