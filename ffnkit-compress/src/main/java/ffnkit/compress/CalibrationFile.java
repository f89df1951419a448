package ffnkit.compress;

import ffnkit.io.ModelFormatException;
import ffnkit.io.SafetensorsDType;
import ffnkit.io.SafetensorsFile;
import ffnkit.io.SafetensorsWriter;
import ffnkit.io.SavedModel;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Calibration statistics on disk: a safetensors file (sums in F64, so nothing is lost) with
 * {@code ffnkit.calibration} metadata. Written atomically.
 */
public final class CalibrationFile {

    static final String FORMAT = "ffnkit-calibration/1";
    /** CRC32C of the data section, as in saved models; optional, so files written before it was added still load. */
    static final String KEY_CHECKSUM = SavedModel.KEY_CHECKSUM;

    private CalibrationFile() {
    }

    public static void write(Path file, Calibration c) throws IOException {
        SafetensorsWriter out = new SafetensorsWriter();
        out.metadata("ffnkit.format", FORMAT);
        out.metadata("model", c.model());
        out.metadata("texts", Integer.toString(c.texts()));
        out.metadata("tokens", Long.toString(c.tokens()));
        out.metadata("layers", Integer.toString(c.layers().size()));
        for (int i = 0; i < c.layers().size(); i++) {
            LayerStatistics s = c.layer(i);
            String p = "layers." + i + ".";
            out.metadata(p + "tokens", Long.toString(s.tokens()));
            out.metadata(p + "threshold", Double.toString(s.threshold()));
            out.addRaw(p + "sum_squares", SafetensorsDType.F64, doubles(s.sumSquares()), s.width());
            out.addRaw(p + "half_sum_squares.0", SafetensorsDType.F64, doubles(s.halfSumSquares()[0]), s.width());
            out.addRaw(p + "half_sum_squares.1", SafetensorsDType.F64, doubles(s.halfSumSquares()[1]), s.width());
            out.addRaw(p + "count_above", SafetensorsDType.I64, longs(s.countAbove()), s.width());
            out.add(p + "max_abs", s.maxAbs(), s.width());
            out.add(p + "down_row_norms", s.downRowNorms(), s.width());
            out.addRaw(p + "input_gram", SafetensorsDType.F64, doubles(s.inputGram()), s.inputDim(), s.inputDim());
            out.addRaw(p + "input_sum", SafetensorsDType.F64, doubles(s.inputSum()), s.inputDim());
            if (s.hasActivationGram()) {
                out.addRaw(p + "activation_gram", SafetensorsDType.F64, doubles(s.activationGram()), s.width(), s.width());
                out.addRaw(p + "activation_sum", SafetensorsDType.F64, doubles(s.activationSum()), s.width());
            }
        }
        out.metadata(KEY_CHECKSUM, SavedModel.checksumString(out.dataChecksum()));
        out.write(file);
    }

    public static Calibration read(Path file) throws IOException {
        try (SafetensorsFile in = SafetensorsFile.open(file)) {
            if (!FORMAT.equals(in.metadata().get("ffnkit.format"))) {
                throw new ModelFormatException(file + " is not an ffnkit calibration file (format "
                        + in.metadata().get("ffnkit.format") + "): create one with ffnkit calibrate");
            }
            checkChecksum(file, in);
            int layers = Integer.parseInt(in.metadata().get("layers"));
            List<LayerStatistics> stats = new ArrayList<>();
            for (int i = 0; i < layers; i++) {
                String p = "layers." + i + ".";
                long[] gramShape = in.tensor(p + "input_gram").shape();
                int d = (int) gramShape[0];
                int m = (int) in.tensor(p + "sum_squares").shape()[0];
                boolean hasActivationGram = in.has(p + "activation_gram");
                stats.add(new LayerStatistics(d, m, Long.parseLong(in.metadata().get(p + "tokens")),
                        Double.parseDouble(in.metadata().get(p + "threshold")),
                        toDoubles(file, in, p + "sum_squares", m),
                        new double[][] {toDoubles(file, in, p + "half_sum_squares.0", m), toDoubles(file, in, p + "half_sum_squares.1", m)},
                        in.longs(p + "count_above"), in.floats(p + "max_abs", m), in.floats(p + "down_row_norms", m),
                        toDoubles(file, in, p + "input_gram", d * d), toDoubles(file, in, p + "input_sum", d),
                        hasActivationGram ? toDoubles(file, in, p + "activation_gram", m * m) : null,
                        hasActivationGram ? toDoubles(file, in, p + "activation_sum", m) : null));
            }
            Calibration c = new Calibration(in.metadata().get("model"), Integer.parseInt(in.metadata().get("texts")),
                    Long.parseLong(in.metadata().get("tokens")), stats);
            CalibrationValidation.check(file.toString(), c);
            return c;
        } catch (NoSuchFileException e) {
            throw new ModelFormatException("calibration file not found: " + file);
        } catch (NumberFormatException | NullPointerException e) {
            throw new ModelFormatException(file + " has incomplete calibration metadata: the file is damaged; re-run ffnkit calibrate");
        }
    }

    /**
     * False for a file written before calibration files carried a checksum: it still loads (its values
     * are checked), but flipped bits in its sums go unnoticed, so the CLI says to re-create it.
     */
    public static boolean hasChecksum(Path file) throws IOException {
        try (SafetensorsFile in = SafetensorsFile.open(file)) {
            return in.metadata().containsKey(KEY_CHECKSUM);
        }
    }

    private static void checkChecksum(Path file, SafetensorsFile in) {
        String stored = in.metadata().get(KEY_CHECKSUM);
        if (stored == null) {
            return;
        }
        String actual = SavedModel.checksumString(in.dataChecksum());
        if (!stored.equals(actual)) {
            throw new ModelFormatException(file + " is corrupt: checksum mismatch in the data section (stored " + stored
                    + ", computed " + actual + "): re-run ffnkit calibrate");
        }
    }

    private static byte[] doubles(double[] v) {
        ByteBuffer b = ByteBuffer.allocate(v.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        b.asDoubleBuffer().put(v);
        return b.array();
    }

    private static byte[] longs(long[] v) {
        ByteBuffer b = ByteBuffer.allocate(v.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        b.asLongBuffer().put(v);
        return b.array();
    }

    private static double[] toDoubles(Path file, SafetensorsFile in, String name, int expected) {
        byte[] bytes = in.bytes(name);
        if (in.tensor(name).dtype() != SafetensorsDType.F64 || bytes.length != expected * 8L) {
            throw new ModelFormatException(file + ": calibration tensor '" + name + "' has the wrong type or size: "
                    + "the file is damaged; re-run ffnkit calibrate");
        }
        double[] out = new double[expected];
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asDoubleBuffer().get(out);
        return out;
    }
}
