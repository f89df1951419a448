package ffnkit.fff;

import ffnkit.api.EmbeddingModel;
import ffnkit.model.DenseFeedForward;
import ffnkit.model.EncoderLayer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Layer-wise conversion of a real model's FFNs, one layer at a time in isolation: the FFN inputs
 * of every layer are recorded on calibration text with the original model, and each selected
 * layer's dense FFN is converted to each tree shape; prints the held-out relative error
 * ||y_fff - y|| / ||y|| after init and after distillation.
 *
 * <pre>FffLayerProbe [--model all-minilm-l6-v2] [--calib datasets/calibration/wordnet-glosses.txt]
 *     [--lines 2000] [--layers 0,5] [--fff 1x10,4x8] [--epochs 10] [--routing hard|soft] [--lr 1e-3]
 *     [--prune 1e-3] (soft form: drop nodes reached with probability below this)</pre>
 */
public final class FffLayerProbe {

    private FffLayerProbe() {
    }

    public static void main(String[] args) throws IOException {
        String model = "all-minilm-l6-v2";
        Path calib = Path.of("datasets/calibration/wordnet-glosses.txt");
        int lines = 2000;
        String layers = "0,5";
        String shapes = "1x10";
        int epochs = 10;
        String routing = "hard";
        float lr = 1e-3f;
        float prune = 1e-3f;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--model" -> model = args[++i];
                case "--calib" -> calib = Path.of(args[++i]);
                case "--lines" -> lines = Integer.parseInt(args[++i]);
                case "--layers" -> layers = args[++i];
                case "--fff" -> shapes = args[++i];
                case "--epochs" -> epochs = Integer.parseInt(args[++i]);
                case "--routing" -> routing = args[++i];
                case "--lr" -> lr = Float.parseFloat(args[++i]);
                case "--prune" -> prune = Float.parseFloat(args[++i]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        List<String> texts = Files.readAllLines(calib).stream().filter(s -> !s.isBlank()).limit(lines).toList();
        try (EmbeddingModel m = EmbeddingModel.load(model)) {
            int[][] ids = m.tokenize(texts);
            int nLayers = m.encoder().layers().size();
            List<List<float[]>> inputs = new ArrayList<>();
            for (int l = 0; l < nLayers; l++) {
                inputs.add(new ArrayList<>());
            }
            int batch = 64;
            for (int s = 0; s < ids.length; s += batch) {
                int[][] part = java.util.Arrays.copyOfRange(ids, s, Math.min(ids.length, s + batch));
                m.encoder().hiddenStates(part, (layer, input, rows) ->
                        inputs.get(layer).add(java.util.Arrays.copyOf(input, rows * m.dimension())));
            }
            int d = m.dimension();
            System.out.printf(Locale.ROOT, "model %s, %d calibration texts%n", model, texts.size());
            for (String ls : layers.split(",")) {
                int layer = Integer.parseInt(ls.trim());
                float[] x = concat(inputs.get(layer));
                int rows = x.length / d;
                EncoderLayer el = m.encoder().layers().get(layer);
                DenseFeedForward dense = (DenseFeedForward) el.feedForward();
                for (String sh : shapes.split(",")) {
                    String[] kd = sh.trim().split("x");
                    FffConvertOptions o = FffConvertOptions.of(Integer.parseInt(kd[0]), Integer.parseInt(kd[1]));
                    o = o.withTraining(o.training().withEpochs(epochs).withLearningRate(lr).withProgress(true)
                            .withPruneBelow(prune)
                            .withRouting(FffTrainOptions.Routing.valueOf(routing.toUpperCase(Locale.ROOT))));
                    long t0 = System.nanoTime();
                    FffConverter.Report r = FffConverter.convertWithReport(dense, x, rows, o);
                    System.out.printf(Locale.ROOT,
                            "layer %d  %-5s %s  rows %d (+%d held out)  rel.err: mean-output %.4f, init %.4f -> final %.4f (train %.4f)  "
                                    + "neurons/token %d of %d dense  %.0fs%n",
                            layer, sh, routing, r.trainRows(), r.heldOutRows(), r.meanBaselineError(), r.initHeldOutError(),
                            r.finalHeldOutError(), r.finalTrainError(), r.fff().neuronsPerToken(), dense.width(),
                            (System.nanoTime() - t0) / 1e9);
                }
            }
        }
    }

    private static float[] concat(List<float[]> parts) {
        int n = 0;
        for (float[] p : parts) {
            n += p.length;
        }
        float[] out = new float[n];
        int off = 0;
        for (float[] p : parts) {
            System.arraycopy(p, 0, out, off, p.length);
            off += p.length;
        }
        return out;
    }
}
