package ffnkit.lookup;

import ffnkit.api.EmbeddingModel;
import ffnkit.kernels.Parallel;
import ffnkit.model.EncoderLayer;
import ffnkit.model.FeedForward;
import ffnkit.util.Cosines;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Converts every FFN of a BERT embedding model (e.g. all-MiniLM-L6-v2) to LookupFFN layer by layer,
 * from the FFN inputs the ORIGINAL model produces on calibration texts ({@link
 * ffnkit.model.Encoder#hiddenStates(int[][], ffnkit.model.FfnObserver)}), and reports per layer the
 * held-out relative error and, for the whole model, the mean cosine between original and converted
 * sentence embeddings on texts not used for calibration. The lead wires this into
 * {@code ffnkit convert --to lookup}; this main is the library-level experiment.
 *
 * <pre>--model all-minilm-l6-v2 --texts datasets/calibration/wordnet-glosses.txt --calibration-texts 4000
 * --eval-texts 500 --max-rows 16384 --tables 32,64,128 --bits 8 --ridge 1 --epochs 0 [--projection bh4|dense]</pre>
 */
public final class LookupModelConversion {

    public record LayerResult(int layer, int tables, LookupConverter.Report report, double seconds) {
    }

    private LookupModelConversion() {
    }

    /** FFN inputs of every layer for the given token ids, at most maxRows rows each. */
    public static float[][] collectFfnInputs(EmbeddingModel model, int[][] ids, int maxRows) {
        int layers = model.encoder().layers().size();
        int d = model.encoder().config().hidden();
        float[][] inputs = new float[layers][];
        model.encoder().hiddenStates(ids, (layer, input, rows) -> {
            int keep = Math.min(rows, maxRows);
            inputs[layer] = Arrays.copyOf(input, keep * d);
        });
        return inputs;
    }

    public static void main(String[] args) throws IOException {
        String modelName = "all-minilm-l6-v2";
        Path texts = Path.of("datasets/calibration/wordnet-glosses.txt");
        int calibrationTexts = 4000;
        int evalTexts = 500;
        int maxRows = 16384;
        int[] tableCounts = {32, 64, 128};
        int[] bitCounts = {8};
        int[] epochCounts = {0};
        double ridge = 1.0;
        LookupShape.ProjectionKind projection = LookupShape.ProjectionKind.BH4;
        int threads = Runtime.getRuntime().availableProcessors();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--model" -> modelName = args[++i];
                case "--texts" -> texts = Path.of(args[++i]);
                case "--calibration-texts" -> calibrationTexts = Integer.parseInt(args[++i]);
                case "--eval-texts" -> evalTexts = Integer.parseInt(args[++i]);
                case "--max-rows" -> maxRows = Integer.parseInt(args[++i]);
                case "--tables" -> tableCounts = Arrays.stream(args[++i].split(",")).mapToInt(Integer::parseInt).toArray();
                case "--bits" -> bitCounts = Arrays.stream(args[++i].split(",")).mapToInt(Integer::parseInt).toArray();
                case "--epochs" -> epochCounts = Arrays.stream(args[++i].split(",")).mapToInt(Integer::parseInt).toArray();
                case "--ridge" -> ridge = Double.parseDouble(args[++i]);
                case "--projection" -> projection = LookupShape.ProjectionKind.valueOf(args[++i].toUpperCase(Locale.ROOT));
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        Parallel.setThreads(threads);
        List<String> lines = Files.readAllLines(texts).stream().filter(s -> !s.isBlank()).toList();
        List<String> calib = lines.subList(0, Math.min(calibrationTexts, lines.size()));
        List<String> eval = lines.subList(calib.size(), Math.min(lines.size(), calib.size() + evalTexts));
        try (EmbeddingModel model = EmbeddingModel.load(modelName)) {
            int[][] ids = model.tokenize(calib);
            float[][] inputs = collectFfnInputs(model, ids, maxRows);
            int d = model.encoder().config().hidden();
            int[][] evalIds = model.tokenize(eval);
            float[][] reference = model.encoder().embed(evalIds);
            List<EncoderLayer> layers = model.encoder().layers();
            List<FeedForward> original = layers.stream().map(EncoderLayer::feedForward).toList();
            System.out.printf(Locale.ROOT, "model %s, %d calibration texts (%d FFN rows per layer used, 10%% of them"
                            + " held out), %d eval texts, %s, ridge %.2f, threads %d%n", modelName, calib.size(),
                    inputs[0].length / d, eval.size(), projection, ridge, threads);
            for (int bits : bitCounts) {
            for (int epochs : epochCounts) {
            System.out.printf(Locale.ROOT, "tau %d, %d distillation epochs%n", bits, epochs);
            System.out.println("| h | layer | held-out rel. err: mean baseline | after closed-form fit | final "
                    + "| train rel. err | table MB | FLOPs/token lookup (dense) | fit s |");
            System.out.println("|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
            for (int h : tableCounts) {
                List<LayerResult> results = new ArrayList<>();
                for (int l = 0; l < layers.size(); l++) {
                    long t0 = System.nanoTime();
                    LookupConvertOptions opts = new LookupConvertOptions(h, bits, projection, 64, 0.1, 3, ridge, epochs,
                            256, 1e-3f, 1, null, epochs > 0);
                    LookupConverter.Report r = LookupConverter.convertWithReport(original.get(l), inputs[l],
                            inputs[l].length / d, opts);
                    double sec = (System.nanoTime() - t0) / 1e9;
                    results.add(new LayerResult(l, h, r, sec));
                    System.out.printf(Locale.ROOT, "| %d | %d | %.3f | %.3f | %.3f | %.3f | %.1f | %,d (%,d) | %.0f |%n",
                            h, l, r.heldOutMeanBaseline(), r.heldOutAfterFit(), r.heldOutFinal(), r.trainFinal(),
                            r.layer().tableBytes() / 1e6, r.layer().flopsPerToken(), original.get(l).flopsPerToken(), sec);
                }
                for (int l = 0; l < layers.size(); l++) {
                    layers.get(l).setFeedForward(results.get(l).report().layer());
                }
                double cos = Cosines.mean(reference, model.encoder().embed(evalIds));
                System.out.printf(Locale.ROOT, "h %d: all %d FFNs replaced: mean cosine to the original embeddings on"
                        + " %d held-out texts %.4f%n", h, layers.size(), eval.size(), cos);
                for (int l = 0; l < layers.size(); l++) {
                    layers.get(l).setFeedForward(original.get(l));
                }
                // one layer at a time, to see which layers hurt
                StringBuilder sb = new StringBuilder("h " + h + ": cosine with only layer i replaced:");
                for (int l = 0; l < layers.size(); l++) {
                    layers.get(l).setFeedForward(results.get(l).report().layer());
                    sb.append(String.format(Locale.ROOT, " L%d %.4f", l, Cosines.mean(reference, model.encoder().embed(evalIds))));
                    layers.get(l).setFeedForward(original.get(l));
                }
                System.out.println(sb);
            }
            }
            }
        }
        Parallel.shared().close();
    }
}
