package ffnkit.compress;

import ffnkit.api.EmbeddingModel;
import ffnkit.io.SavedModel;
import ffnkit.model.DenseFeedForward;
import ffnkit.model.DenseLinear;
import ffnkit.model.Encoder;
import ffnkit.model.EncoderLayer;
import ffnkit.model.FeedForward;
import ffnkit.model.LinearFeedForward;
import ffnkit.model.LowRankLinear;
import ffnkit.model.QuantizedLinear;
import ffnkit.model.SplitFeedForward;
import ffnkit.util.Cosines;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** FFSplit on the real all-MiniLM-L6-v2: calibration on WordNet glosses, checks on held-out parity sentences. */
class CompressorTest {

    static final String MODEL = "all-minilm-l6-v2";
    static Calibration calibration;
    static List<int[]> calibIds;
    static int[][] evalIds;

    @TempDir
    Path dir;

    static Path repoFile(String relative) {
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            if (Files.exists(d.resolve(relative))) {
                return d.resolve(relative);
            }
        }
        throw new IllegalStateException(relative + " not found");
    }

    static List<String> lines(String file, int n) throws IOException {
        return Files.readAllLines(repoFile(file), StandardCharsets.UTF_8).stream().filter(s -> !s.isBlank()).limit(n).toList();
    }

    @BeforeAll
    static void calibrate() throws IOException {
        try (EmbeddingModel m = EmbeddingModel.load(MODEL)) {
            calibIds = Arrays.asList(m.tokenize(lines("datasets/calibration/wordnet-glosses.txt", 96)));
            evalIds = m.tokenize(lines("datasets/parity/sentences.txt", 40));
            calibration = Calibrator.run(MODEL, m.encoder(), calibIds, new Calibrator.Options(0.1, true, 32), null);
        }
    }

    /** save -> load -> bit-identical embeddings of the held-out sentences. */
    static void assertSavedModelEmbedsIdentically(Encoder e, Path f, Map<String, String> metadata) throws IOException {
        SavedModel.write(f, e, metadata, null);
        float[][] a = e.embed(evalIds);
        float[][] b = SavedModel.read(f).encoder().embed(evalIds);
        for (int s = 0; s < a.length; s++) {
            assertTrue(Arrays.equals(a[s], b[s]), "sentence " + s);
        }
    }

    @Test
    void uncompressedSplitReproducesTheOriginalEmbeddings() {
        try (EmbeddingModel m = EmbeddingModel.load(MODEL)) {
            Encoder e = m.encoder();
            float[][] want = e.embed(evalIds);
            for (int l = 0; l < e.layers().size(); l++) {
                EncoderLayer layer = e.layers().get(l);
                DenseFeedForward dense = (DenseFeedForward) layer.feedForward();
                int[] heavy = HeavyHitters.heavySet(calibration.layer(l).outputNormScores(), 0.25);
                layer.setFeedForward(Compressor.split(dense, heavy));
                assertEquals(dense.parameterCount(), layer.feedForward().parameterCount());
            }
            float[][] got = e.embed(evalIds);
            for (int s = 0; s < want.length; s++) {
                for (int j = 0; j < want[s].length; j++) {
                    assertEquals(want[s][j], got[s][j], 2e-6, "sentence " + s + " component " + j);
                }
            }
        }
    }

    @Test
    void anAbsoluteRankAboveTheFullRankIsAnErrorNotSilentlyClamped() {
        try (EmbeddingModel m = EmbeddingModel.load(MODEL)) {
            // MiniLM's FFN matrices are 384 x 1536: full rank 384
            var tooHigh = Compressor.Options.defaults().withHeavy(0).withRank(385);
            var e = assertThrows(IllegalArgumentException.class,
                    () -> Compressor.compress(m.encoder(), calibration, tooHigh, null, null));
            assertTrue(e.getMessage().contains("rank 385 exceeds the full rank 384"), e.getMessage());
            assertInstanceOf(DenseFeedForward.class, m.encoder().layers().get(0).feedForward(), "refused before any work");
        }
    }

    @Test
    void paperSettingCutsParametersAndWhitenedRefitBeatsPlainSvd() throws IOException {
        Compressor.Options plain = Compressor.Options.defaults();
        double[] fidelity = new double[4];
        Compressor.Report report = null;
        Encoder best = null;
        float[][] original;
        try (EmbeddingModel m = EmbeddingModel.load(MODEL)) {
            original = m.encoder().embed(evalIds);
        }
        Compressor.Options[] variants = {plain, plain.withWhiten(true), plain.withWhiten(true).withRefit(true),
                plain.withWhiten(true).withRefit(true).withSequential(true)};
        for (int v = 0; v < variants.length; v++) {
            EmbeddingModel m = EmbeddingModel.load(MODEL);
            report = Compressor.compress(m.encoder(), calibration, variants[v], calibIds, null);
            fidelity[v] = Cosines.mean(original, m.encoder().embed(evalIds));
            best = m.encoder();
        }
        // 25% heavy + light rank 10%: non-embedding parameters down by 40% or more (the paper: -43.1% on BERT-base)
        double cut = 1 - (double) report.nonEmbeddingParamsAfter() / report.nonEmbeddingParamsBefore();
        assertTrue(cut >= 0.40, "cut " + cut);
        assertTrue(fidelity[1] > fidelity[0], Arrays.toString(fidelity));
        assertTrue(fidelity[2] > fidelity[1], Arrays.toString(fidelity));
        assertTrue(fidelity[3] > fidelity[1], Arrays.toString(fidelity));
        for (Refit.LayerResult r : report.refit()) {
            assertTrue(r.mseAfter() < r.mseBefore(), r.toString());
        }
        SplitFeedForward split = assertInstanceOf(SplitFeedForward.class, best.layers().get(0).feedForward());
        assertInstanceOf(LowRankLinear.class, ((LinearFeedForward) split.light()).up());
        assertEquals(report.ffnParamsAfter(), Compressor.ffnParameters(best));

        // save -> load -> identical embeddings
        Path f = dir.resolve("split.safetensors");
        assertSavedModelEmbedsIdentically(best, f, Map.of("method", "test"));

        // the fair baseline: vanilla low rank at the same FFN parameter budget
        Compressor.Options vanilla = Compressor.matchBudget(plain, 6, 384, 1536, report.ffnParamsAfter(), report.ffnBytesAfter());
        assertEquals(0, vanilla.heavyFraction());
        long perRank = 6L * 2 * (384 + 1536);
        try (EmbeddingModel m = EmbeddingModel.load(MODEL)) {
            Compressor.Report r = Compressor.compress(m.encoder(), calibration, vanilla, calibIds, null);
            assertTrue(Math.abs(r.ffnParamsAfter() - report.ffnParamsAfter()) <= perRank / 2 + 1,
                    r.ffnParamsAfter() + " vs " + report.ffnParamsAfter());
        }
    }

    @Test
    void quantisedSplitSavesLoadsAndStaysClose() throws IOException {
        float[][] original;
        try (EmbeddingModel m = EmbeddingModel.load(MODEL)) {
            original = m.encoder().embed(evalIds);
        }
        Compressor.Options o = Compressor.Options.defaults().withLight(Compressor.Light.AWQ).withBits(4).withHeavyBits(8);
        try (EmbeddingModel m = EmbeddingModel.load(MODEL)) {
            Compressor.Report r = Compressor.compress(m.encoder(), calibration, o, calibIds, null);
            SplitFeedForward split = assertInstanceOf(SplitFeedForward.class, m.encoder().layers().get(2).feedForward());
            QuantizedLinear down = assertInstanceOf(QuantizedLinear.class, ((LinearFeedForward) split.light()).down());
            assertEquals(4, down.bits());
            assertTrue(down.inputScales() != null);
            assertTrue(r.ffnBytesAfter() < r.ffnBytesBefore() / 5, r.toString());
            double cos = Cosines.mean(original, m.encoder().embed(evalIds));
            assertTrue(cos > 0.98, "cosine " + cos);
            Path f = dir.resolve("q.safetensors");
            assertSavedModelEmbedsIdentically(m.encoder(), f, Map.of());
        }
        var noSplit = assertThrows(IllegalArgumentException.class,
                () -> Compressor.Options.defaults().withHeavy(0).withLight(Compressor.Light.RTN).withRefit(true));
        assertTrue(noSplit.getMessage().contains("needs a split"), noSplit.getMessage());
    }

    /**
     * A quantised split's refit keeps the light codes and fits the heavy rows of V and b2: against
     * the least-squares solution computed here from layer 0's own inputs, token by token.
     */
    @Test
    void quantisedSplitRefitIsTheLeastSquaresFitOfTheHeavyRows() {
        Compressor.Options o = Compressor.Options.defaults().withLight(Compressor.Light.RTN).withBits(3).withRefit(true);
        List<int[]> texts = calibIds.subList(0, 64);
        try (EmbeddingModel m = EmbeddingModel.load(MODEL)) {
            Encoder e = m.encoder();
            List<FeedForward> slots = new ArrayList<>();
            for (int l = 0; l < e.layers().size(); l++) {
                slots.add(Compressor.compressLayer((DenseFeedForward) e.layers().get(l).feedForward(), calibration.layer(l), o));
            }
            List<float[]> inputs = new ArrayList<>();
            e.hiddenStates(texts.toArray(new int[0][]), (layer, x, rows) -> {
                if (layer == 0) {
                    inputs.add(Arrays.copyOf(x, rows * 384));
                }
            });
            List<Refit.LayerResult> results = new ArrayList<>();
            List<FeedForward> refit = Refit.run(e, slots, texts, 16, 0, results);

            SplitFeedForward before = (SplitFeedForward) slots.get(0);
            SplitFeedForward after = assertInstanceOf(SplitFeedForward.class, refit.get(0));
            LinearFeedForward heavy = (LinearFeedForward) before.heavy();
            LinearFeedForward light = (LinearFeedForward) before.light();
            QuantizedLinear lightDown = (QuantizedLinear) light.down();
            QuantizedLinear newLightDown = (QuantizedLinear) ((LinearFeedForward) after.light()).down();
            assertTrue(Arrays.equals(lightDown.packedCodes(), newLightDown.packedCodes()), "the light codes stay");
            assertTrue(Arrays.equals(lightDown.scales(), newLightDown.scales()));
            assertTrue(((LinearFeedForward) after.light()).up() == light.up());

            // reference: Z = [heavy activations, 1], T = FFN(x) − light part without b2, normal equations in double
            DenseFeedForward original = (DenseFeedForward) e.layers().get(0).feedForward();
            LinearFeedForward unbiased = new LinearFeedForward(light.up(), light.activation(),
                    HeavyCompensation.withBias(lightDown, null));
            int h = heavy.width();
            DMatrixRMaj zz = new DMatrixRMaj(h + 1, h + 1);
            DMatrixRMaj zt = new DMatrixRMaj(h + 1, 384);
            for (float[] x : inputs) {
                int rows = x.length / 384;
                float[] t = new float[x.length];
                float[] fixed = new float[x.length];
                float[] z = new float[rows * h];
                original.forward(x, rows, t);
                unbiased.forward(x, rows, fixed);
                heavy.up().forward(x, rows, heavy.activation(), null, z);
                for (int r = 0; r < rows; r++) {
                    for (int i = 0; i <= h; i++) {
                        double zi = i < h ? z[r * h + i] : 1;
                        for (int j = 0; j <= h; j++) {
                            zz.add(i, j, zi * (j < h ? z[r * h + j] : 1));
                        }
                        for (int c = 0; c < 384; c++) {
                            zt.add(i, c, zi * ((double) t[r * 384 + c] - fixed[r * 384 + c]));
                        }
                    }
                }
            }
            var theta = new DMatrixRMaj(h + 1, 384);
            assertTrue(CommonOps_DDRM.solve(zz, zt, theta));
            float[] rows = ((DenseLinear) ((LinearFeedForward) after.heavy()).down()).weight().toRowMajor();
            float[] bias = newLightDown.bias();
            double err = 0;
            double norm = 0;
            for (int i = 0; i <= h; i++) {
                for (int c = 0; c < 384; c++) {
                    double got = i < h ? rows[i * 384 + c] : bias[c];
                    err += (got - theta.get(i, c)) * (got - theta.get(i, c));
                    norm += theta.get(i, c) * theta.get(i, c);
                }
            }
            assertTrue(Math.sqrt(err / norm) < 1e-3, "relative difference to least squares " + Math.sqrt(err / norm));
            for (Refit.LayerResult r : results) {
                assertTrue(r.mseAfter() < 0.8 * r.mseBefore(), r.toString());
            }
        }
    }

    @Test
    void quantisedSplitRefitRaisesFidelityAndSavesLoads() throws IOException {
        float[][] original;
        try (EmbeddingModel m = EmbeddingModel.load(MODEL)) {
            original = m.encoder().embed(evalIds);
        }
        Compressor.Options o = Compressor.Options.defaults().withLight(Compressor.Light.AWQ).withBits(3).withHeavyBits(8)
                .withCompensate(true);
        double[] fidelity = new double[2];
        for (int refit = 0; refit < 2; refit++) {
            try (EmbeddingModel m = EmbeddingModel.load(MODEL)) {
                Compressor.Options or = o.withRefit(refit == 1);
                Compressor.Report r = Compressor.compress(m.encoder(), calibration, or, calibIds, null);
                fidelity[refit] = Cosines.mean(original, m.encoder().embed(evalIds));
                if (refit == 1) {
                    assertEquals("split25 awq 3bit g128 refit heavy8 comp", or.label());
                    LinearFeedForward heavy = (LinearFeedForward) ((SplitFeedForward) m.encoder().layers().get(1).feedForward()).heavy();
                    assertEquals(8, assertInstanceOf(QuantizedLinear.class, heavy.down()).bits(), "an 8-bit heavy part stays 8-bit");
                    assertEquals(6, r.refit().size());
                    assertSavedModelEmbedsIdentically(m.encoder(), dir.resolve("qrefit.safetensors"), Map.of());
                    // its vanilla twin has no heavy rows to refit
                    Compressor.Options twin = Compressor.matchBudget(or, 6, 384, 1536, r.ffnParamsAfter(), r.ffnBytesAfter());
                    assertEquals(0, twin.heavyFraction());
                    assertTrue(!twin.refit() && !twin.compensate(), twin.label());
                }
            }
        }
        assertTrue(fidelity[1] > fidelity[0] + 0.003, Arrays.toString(fidelity));
    }

    @Test
    void compensationRaisesFidelityAtTheSameParametersAndSavesLoads() throws IOException {
        float[][] original;
        try (EmbeddingModel m = EmbeddingModel.load(MODEL)) {
            original = m.encoder().embed(evalIds);
        }
        Compressor.Options[] methods = {Compressor.Options.defaults().withWhiten(true),
                Compressor.Options.defaults().withLight(Compressor.Light.RTN).withBits(3).withHeavyBits(8)};
        for (Compressor.Options o : methods) {
            double[] fidelity = new double[2];
            long[] params = new long[2];
            for (int c = 0; c < 2; c++) {
                try (EmbeddingModel m = EmbeddingModel.load(MODEL)) {
                    Compressor.Options oc = o.withCompensate(c == 1);
                    params[c] = Compressor.compress(m.encoder(), calibration, oc, calibIds, null).ffnParamsAfter();
                    fidelity[c] = Cosines.mean(original, m.encoder().embed(evalIds));
                    if (c == 1) {
                        assertTrue(oc.label().endsWith(" comp"), oc.label());
                        Path f = dir.resolve("comp.safetensors");
                        assertSavedModelEmbedsIdentically(m.encoder(), f, Map.of());
                    }
                }
            }
            assertEquals(params[0], params[1], "the compensation adds no parameter");
            assertTrue(fidelity[1] > fidelity[0] + 0.005, o.label() + ": " + Arrays.toString(fidelity));
        }
        assertEquals(Compressor.Options.defaults().withHeavy(0).label(),
                Compressor.Options.defaults().withHeavy(0).withCompensate(true).label(), "no split, nothing to compensate");
    }

    @Test
    void upRankShareMovesRankBetweenTheProjectionsAtTheSameParameters() {
        try (EmbeddingModel m = EmbeddingModel.load(MODEL)) {
            DenseFeedForward dense = (DenseFeedForward) m.encoder().layers().get(0).feedForward();
            Compressor.Options even = Compressor.Options.defaults().withWhiten(true);
            for (double heavy : new double[] {0.25, 0}) {
                var a = Compressor.compressLayer(dense, calibration.layer(0), even.withHeavy(heavy));
                var b = Compressor.compressLayer(dense, calibration.layer(0), even.withHeavy(heavy).withUpRankShare(0.8));
                LinearFeedForward la = heavy > 0 ? (LinearFeedForward) ((SplitFeedForward) a).light() : (LinearFeedForward) a;
                LinearFeedForward lb = heavy > 0 ? (LinearFeedForward) ((SplitFeedForward) b).light() : (LinearFeedForward) b;
                int r = ((LowRankLinear) la.up()).rank();
                assertEquals(r, ((LowRankLinear) la.down()).rank());
                int up = (int) Math.round(2 * r * 0.8);
                assertEquals(up, ((LowRankLinear) lb.up()).rank(), "heavy " + heavy);
                assertEquals(2 * r - up, ((LowRankLinear) lb.down()).rank(), "heavy " + heavy);
                assertEquals(a.parameterCount(), b.parameterCount(), "heavy " + heavy);
            }
        }
        assertThrows(IllegalArgumentException.class, () -> Compressor.Options.defaults().withUpRankShare(1));
        assertTrue(Compressor.Options.defaults().withUpRankShare(0.8).label().endsWith(" up0.8"));
    }

    @Test
    void eightBitHeavyPartSmallerThanAGroupIsNotPadded() throws IOException {
        // 1% of 1536 neurons = 15 heavy rows in the down-projection, fewer than the group of 128
        Compressor.Options o = Compressor.Options.defaults().withHeavy(0.01).withLight(Compressor.Light.RTN)
                .withBits(3).withHeavyBits(8);
        try (EmbeddingModel m = EmbeddingModel.load(MODEL)) {
            Compressor.compress(m.encoder(), calibration, o, calibIds, null);
            SplitFeedForward split = assertInstanceOf(SplitFeedForward.class, m.encoder().layers().get(0).feedForward());
            QuantizedLinear down = assertInstanceOf(QuantizedLinear.class, ((LinearFeedForward) split.heavy()).down());
            int k = down.inputDim();
            assertTrue(k < 128, "heavy rows " + k);
            assertEquals(k, down.groupSize());
            assertTrue(down.byteSize() < 4L * k * down.outputDim(), down.byteSize() + " bytes for " + k + " rows");
            QuantizedLinear up = assertInstanceOf(QuantizedLinear.class, ((LinearFeedForward) split.heavy()).up());
            assertEquals(128, up.groupSize());
        }
    }
}
