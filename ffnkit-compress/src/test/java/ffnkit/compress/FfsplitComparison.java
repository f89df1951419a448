package ffnkit.compress;

import ffnkit.api.EmbeddingModel;
import ffnkit.model.Encoder;
import ffnkit.util.Cosines;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The main comparison on all-MiniLM-L6-v2 (not a test; the lead turns its output into
 * docs/RESULTS.md): FFSplit vs the vanilla method at the same FFN budget, for plain SVD, whitened
 * SVD, whitened + refit, RTN and AWQ. Fidelity = cosine to the original model's embeddings on the
 * parity sentences (never calibration text).
 *
 * <p>{@code java -cp ... ffnkit.compress.FfsplitComparison [calibration texts] [calibration cache] [lowrank|quant|seq|pareto|all]}
 */
public final class FfsplitComparison {

    static final String MODEL = "all-minilm-l6-v2";

    public static void main(String[] args) throws IOException {
        int texts = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        Path cache = Path.of(args.length > 1 ? args[1] : "/tmp/ffnkit-calib-" + texts + ".safetensors");
        String which = args.length > 2 ? args[2] : "all";
        List<String> calibText = Files.readAllLines(CompressorTest.repoFile("datasets/calibration/wordnet-glosses.txt"),
                StandardCharsets.UTF_8).stream().filter(s -> !s.isBlank()).limit(texts).toList();
        List<String> evalText = Files.readAllLines(CompressorTest.repoFile("datasets/parity/sentences.txt"),
                StandardCharsets.UTF_8).stream().filter(s -> !s.isBlank()).toList();
        List<int[]> calibIds;
        int[][] evalIds;
        float[][] original;
        Calibration cal;
        try (EmbeddingModel m = EmbeddingModel.load(MODEL)) {
            calibIds = Arrays.asList(m.tokenize(calibText));
            evalIds = m.tokenize(evalText);
            original = m.encoder().embed(evalIds);
            if (Files.exists(cache)) {
                cal = CalibrationFile.read(cache);
            } else {
                long t = System.nanoTime();
                cal = Calibrator.run(MODEL, m.encoder(), calibIds, new Calibrator.Options(0.1, true, 32), null);
                CalibrationFile.write(cache, cal);
                System.err.printf("calibration: %d texts, %d tokens, %.0f s%n", texts, cal.tokens(), (System.nanoTime() - t) / 1e9);
            }
        }
        System.out.printf("calibration: %d WordNet glosses (%d tokens); fidelity on %d parity sentences%n", texts,
                cal.tokens(), evalIds.length);
        System.out.println("| method | FFN params | non-emb params | non-emb change | FFN MB | model MB | mean cos | p01 cos | s |");
        System.out.println("|---|---|---|---|---|---|---|---|---|");
        Compressor.Options base = Compressor.Options.defaults();
        List<Compressor.Options> runs = new ArrayList<>();
        if (which.equals("pareto")) {
            for (double rank : new double[] {0.25, 0.5}) {
                runs.add(base.withRank(rank).withWhiten(true).withRefit(true));
                runs.add(null);
            }
        }
        if (which.equals("seq")) {
            runs.add(base.withWhiten(true).withRefit(true).withSequential(true));
            runs.add(null);
            runs.add(base.withRefit(true).withSequential(true));
            runs.add(null);
        }
        if (which.equals("lowrank") || which.equals("all")) {
            for (Compressor.Options o : new Compressor.Options[] {base, base.withWhiten(true), base.withWhiten(true).withRefit(true)}) {
                runs.add(o);
                runs.add(null); // the vanilla twin at the same budget, filled in after the split ran
            }
        }
        if (which.equals("quant") || which.equals("all")) {
            for (Compressor.Light l : new Compressor.Light[] {Compressor.Light.RTN, Compressor.Light.AWQ}) {
                for (int bits : new int[] {3, 4}) {
                    runs.add(base.withLight(l).withBits(bits).withHeavyBits(8));
                    runs.add(null); // the vanilla method at the largest bit width within the split's bytes
                    runs.add(base.withLight(l).withBits(bits).withHeavy(0)); // and at the same bit width (the paper's OPT table)
                }
            }
        }
        Compressor.Report last = null;
        Compressor.Options lastOptions = null;
        for (Compressor.Options o : runs) {
            if (o == null) {
                o = Compressor.matchBudget(lastOptions, 6, 384, 1536, last.ffnParamsAfter(), last.ffnBytesAfter());
            }
            long t = System.nanoTime();
            try (EmbeddingModel m = EmbeddingModel.load(MODEL)) {
                Encoder e = m.encoder();
                Compressor.Report r = Compressor.compress(e, cal, o, calibIds, null);
                double[] cos = Cosines.cosines(original, e.embed(evalIds));
                double[] sorted = cos.clone();
                Arrays.sort(sorted);
                double mean = Arrays.stream(cos).average().orElse(0);
                System.out.printf("| %s | %,d | %,d | %+.1f%% | %.2f | %.2f | %.4f | %.4f | %.0f |%n", o.label(), r.ffnParamsAfter(),
                        r.nonEmbeddingParamsAfter(), 100.0 * (r.nonEmbeddingParamsAfter() - r.nonEmbeddingParamsBefore())
                                / r.nonEmbeddingParamsBefore(), r.ffnBytesAfter() / 1e6, r.bytesAfter() / 1e6, mean,
                        sorted[(int) Math.floor(0.01 * (sorted.length - 1))], (System.nanoTime() - t) / 1e9);
                if (last == null || o.heavyFraction() > 0) {
                    last = r;
                    lastOptions = o;
                }
                if (o.heavyFraction() == 0 && lastOptions != null) {
                    last = null;
                }
            }
        }
        System.out.printf("baseline: FFN params %,d, FFN MB %.2f%n", 6L * (2 * 384 * 1536 + 1536 + 384), 6 * (2 * 384 * 1536 + 1536 + 384) * 4 / 1e6);
        ffnkit.kernels.Parallel.shared().close();
    }
}
