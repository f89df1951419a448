package ffnkit.compress;

import ffnkit.io.ModelFormatException;
import ffnkit.io.SafetensorsFile;
import ffnkit.io.SafetensorsWriter;
import ffnkit.model.Encoder;
import ffnkit.model.RandomWeights;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A damaged calibration file is refused on load, naming the file, the tensor and the fix. */
class CalibrationFileTest {

    private static final int D = 16;
    private static final int M = 40;

    private static Encoder encoder;
    private static Calibration calibration;

    @TempDir
    Path dir;

    @BeforeAll
    static void calibrate() {
        encoder = Encoder.of(RandomWeights.of(RandomWeights.config(D, 2, 4, M, 50, 32), 7));
        Random r = new Random(3);
        List<int[]> ids = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            int[] seq = new int[2 + r.nextInt(10)];
            for (int i = 0; i < seq.length; i++) {
                seq[i] = r.nextInt(50);
            }
            ids.add(seq);
        }
        calibration = Calibrator.run("random", encoder, ids, new Calibrator.Options(0.1, true, 4), null);
    }

    private Path saved() throws Exception {
        Path f = dir.resolve("cal.safetensors");
        CalibrationFile.write(f, calibration);
        return f;
    }

    private static String failure(Path f) {
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> CalibrationFile.read(f));
        String msg = e.getMessage();
        assertTrue(msg.contains(f.getFileName().toString()) && !msg.contains("\n"), "one line naming the file: " + msg);
        return msg;
    }

    private static String damaged(Path f) {
        String msg = failure(f);
        assertTrue(msg.endsWith("the file is damaged; re-run ffnkit calibrate"), msg);
        return msg;
    }

    @Test
    void intactFileReadsBack() throws Exception {
        Calibration back = CalibrationFile.read(saved());
        assertEquals(calibration.tokens(), back.tokens());
    }

    @Test
    void nanSumSquaresAreNamed() throws Exception {
        Path f = saved();
        rewrite(f, "layers.1.sum_squares", v -> v[3] = Double.NaN, null, null);
        assertEquals(f + ": calibration tensor 'layers.1.sum_squares' holds NaN at element 3: "
                + "the file is damaged; re-run ffnkit calibrate", damaged(f));
    }

    @Test
    void negativeTokenCountIsRefused() throws Exception {
        Path f = saved();
        rewrite(f, null, null, "tokens", "-5");
        assertEquals(f + " gives tokens = -5, expected a non-negative count: the file is damaged; re-run ffnkit calibrate",
                damaged(f));
    }

    @Test
    void negativeSumOfSquaresIsRefused() throws Exception {
        Path f = saved();
        rewrite(f, "layers.0.half_sum_squares.1", v -> v[0] = -1, null, null);
        assertTrue(damaged(f).contains("'layers.0.half_sum_squares.1' holds the negative value -1.0 at element 0"));
    }

    @Test
    void nanInputGramIsRefused() throws Exception {
        Path f = saved();
        rewrite(f, "layers.0.input_gram", v -> v[17] = Double.POSITIVE_INFINITY, null, null);
        assertTrue(damaged(f).contains("'layers.0.input_gram' holds Infinity at element 17"));
    }

    @Test
    void zeroedInputGramDisagreesWithTheInputSums() throws Exception {
        Path f = saved();
        rewrite(f, "layers.1.input_gram", v -> Arrays.fill(v, 0), null, null);
        assertTrue(damaged(f).contains("'layers.1.input_gram' and 'layers.1.input_sum' disagree at input"));
    }

    @Test
    void negativeGramDiagonalIsRefused() throws Exception {
        Path f = saved();
        rewrite(f, "layers.0.activation_gram", v -> v[2 * M + 2] = -4, null, null);
        assertTrue(damaged(f).contains("'layers.0.activation_gram' has the negative diagonal value -4.0 at [2, 2]"));
    }

    @Test
    void truncatedFileUsesTheSafetensorsReadersMessage() throws Exception {
        Path f = saved();
        byte[] bytes = Files.readAllBytes(f);
        Files.write(f, Arrays.copyOf(bytes, bytes.length - 1));
        String msg = failure(f);
        assertTrue(msg.startsWith("cal.safetensors is truncated: tensor 'layers.1.activation_sum' ends at byte"), msg);
    }

    @Test
    void degenerateGramFailsCompressionNamingTheLayer() {
        LayerStatistics s = calibration.layer(1);
        double[] zero = new double[D * D];
        // finite, but no inputs could give it: the sums say the inputs are large, the Gram that they are tiny
        double[] tiny = new double[D * D];
        for (int k = 0; k < D; k++) {
            tiny[k * D + k] = 1e-30;
        }
        Compressor.Options whiten = Compressor.Options.defaults().withWhiten(true);
        for (double[] gram : List.of(zero, tiny)) {
            LayerStatistics bad = new LayerStatistics(s.inputDim(), s.width(), s.tokens(), s.threshold(), s.sumSquares(),
                    s.halfSumSquares(), s.countAbove(), s.maxAbs(), s.downRowNorms(), gram, s.inputSum(),
                    s.activationGram(), s.activationSum());
            Calibration c = new Calibration("random", calibration.texts(), calibration.tokens(),
                    List.of(calibration.layer(0), bad));
            Encoder copy = Encoder.of(RandomWeights.of(RandomWeights.config(D, 2, 4, M, 50, 32), 7));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Compressor.compress(copy, c, whiten, null, null));
            assertTrue(e.getMessage().startsWith("layer 1: ") && e.getMessage().contains("re-run ffnkit calibrate")
                    && !e.getMessage().contains("unexpected"), e.getMessage());
        }
    }

    @Test
    void flippedDataByteFailsTheChecksum() throws Exception {
        Path f = saved();
        byte[] bytes = Files.readAllBytes(f);
        bytes[bytes.length - 100] ^= 0x01; // the low bits of a sum: still a plausible value
        Files.write(f, bytes);
        String msg = failure(f);
        assertTrue(msg.startsWith(f + " is corrupt: checksum mismatch in the data section (stored crc32c:")
                && msg.endsWith("re-run ffnkit calibrate"), msg);
    }

    @Test
    void fileWithoutChecksumStillLoads() throws Exception {
        Path f = saved();
        rewrite(f, null, null, null, null);
        try (SafetensorsFile in = SafetensorsFile.open(f)) {
            assertTrue(!in.metadata().containsKey(CalibrationFile.KEY_CHECKSUM));
        }
        assertEquals(calibration.tokens(), CalibrationFile.read(f).tokens());
        assertFalse(CalibrationFile.hasChecksum(f));
        assertTrue(CalibrationFile.hasChecksum(saved()));
    }

    /** Rewrites the file with one F64 tensor or one metadata value changed, as a damaged copy. */
    private static void rewrite(Path f, String tensor, Consumer<double[]> change, String key, String value) throws Exception {
        SafetensorsWriter out = new SafetensorsWriter();
        Map<String, String> meta;
        try (SafetensorsFile in = SafetensorsFile.open(f)) {
            meta = new LinkedHashMap<>(in.metadata());
            for (SafetensorsFile.TensorInfo t : in.tensors()) {
                byte[] bytes = in.bytes(t.name());
                if (t.name().equals(tensor)) {
                    double[] v = new double[bytes.length / 8];
                    ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asDoubleBuffer().get(v);
                    change.accept(v);
                    ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asDoubleBuffer().put(v);
                }
                out.addRaw(t.name(), t.dtype(), bytes, t.shape());
            }
        }
        if (key != null) {
            meta.put(key, value);
        }
        // as a file written before calibration checksums: the value checks must catch the damage alone
        meta.remove(CalibrationFile.KEY_CHECKSUM);
        meta.forEach(out::metadata);
        out.write(f);
    }
}
