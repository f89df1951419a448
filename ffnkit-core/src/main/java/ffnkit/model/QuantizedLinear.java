package ffnkit.model;

import ffnkit.kernels.Activation;
import ffnkit.kernels.Gemm;
import ffnkit.kernels.GemmReference;
import ffnkit.kernels.PackedMatrix;
import ffnkit.kernels.QuantizedGemm;
import ffnkit.kernels.Simd;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Weight-only asymmetric group quantisation (RTN/AWQ storage): y = (x ⊘ s_in)·Ŵ + b with
 * Ŵ[k][n] = (q[k][n] − z[g][n])·scale[g][n], g = k / groupSize (groups run along the INPUT
 * dimension), q and z integers in [0, 2^bits). s_in is AWQ's optional per-input-channel scale:
 * the weights were quantised as W·diag(s_in), so dividing the input by s_in undoes it exactly. It
 * lives here and not in the preceding LayerNorm because in a post-LN BERT that LayerNorm's output
 * is also the attention residual and the input of the heavy part, which must not change.
 *
 * <p>Codes are bit-packed {@link QuantizedGemm#rowsPerWord 32/bits} rows per int (layout in
 * {@link QuantizedGemm}); how the codes were chosen (RTN, AWQ) is the compressor's business.
 */
public final class QuantizedLinear implements Linear {

    private final int in;
    private final int out;
    private final int bits;
    private final int groupSize;
    private final int[] words;
    private final float[] scales;
    private final float[] zeros;
    private final float[] bias;
    private final float[] inputScales;
    private final float[] inverseInputScales;
    private final Scratch scaledInput = new Scratch();
    private final Scratch packedWeights = new Scratch();

    /**
     * From this many rows on, forward dequantises the weights into the float GEMM's packed layout
     * and runs the float GEMM: decoding 0.6 M weights costs about what 64 rows of the fused kernel
     * save, and the fused kernel (built for batch 1, where reading 4-bit weights is the cost)
     * re-decodes every weight for each block of rows: at 8 x 128 tokens it ran the model at 0.41x
     * of the dense engine.
     */
    static final int FLOAT_GEMM_ROWS = 64;
    private static final VectorSpecies<Float> SF = Simd.FLOAT;
    private static final VectorSpecies<Integer> SI = VectorSpecies.of(int.class, SF.vectorShape());

    private QuantizedLinear(int in, int out, int bits, int groupSize, int[] words, float[] scales, float[] zeros,
                            float[] bias, float[] inputScales) {
        if (bits < 2 || bits > 8) {
            throw new IllegalArgumentException("quantised layers take 2 to 8 bits, got " + bits);
        }
        if (groupSize < 1 || in < 1 || out < 1) {
            throw new IllegalArgumentException("bad quantised layer shape " + in + " x " + out + ", group " + groupSize);
        }
        int groups = groups(in, groupSize);
        check("packed codes", words.length, (long) groups * QuantizedGemm.wordsPerGroup(bits, groupSize) * out);
        check("scales", scales.length, (long) groups * out);
        check("zeros", zeros.length, (long) groups * out);
        for (float z : zeros) {
            if (z != Math.rint(z) || z < 0 || z > (1 << bits) - 1) {
                throw new IllegalArgumentException("zero point " + z + " is not an integer in [0, " + ((1 << bits) - 1) + "]");
            }
        }
        if (bias != null) {
            check("bias", bias.length, out);
        }
        if (inputScales != null) {
            check("input scales", inputScales.length, in);
            for (float s : inputScales) {
                if (!(s > 0) || !Float.isFinite(s)) {
                    throw new IllegalArgumentException("input scale " + s + " is not a positive finite number");
                }
            }
        }
        this.in = in;
        this.out = out;
        this.bits = bits;
        this.groupSize = groupSize;
        this.words = words;
        this.scales = scales;
        this.zeros = zeros;
        this.bias = bias;
        this.inputScales = inputScales;
        if (inputScales == null) {
            inverseInputScales = null;
        } else {
            inverseInputScales = new float[in];
            for (int k = 0; k < in; k++) {
                inverseInputScales[k] = 1f / inputScales[k];
            }
        }
    }

    private static void check(String what, int have, long want) {
        if (have != want) {
            throw new IllegalArgumentException(what + " have " + have + " values, expected " + want);
        }
    }

    /**
     * @param codes       q [in x out] row-major, each in [0, 2^bits)
     * @param scales      [groups x out], groups = ceil(in / groupSize)
     * @param zeros       [groups x out], integer-valued
     * @param bias        [out] or null
     * @param inputScales s_in [in] or null (see the class comment)
     */
    public static QuantizedLinear fromCodes(int[] codes, int in, int out, int bits, int groupSize, float[] scales,
                                            float[] zeros, float[] bias, float[] inputScales) {
        check("codes", codes.length, (long) in * out);
        int rpw = QuantizedGemm.rowsPerWord(bits);
        int wpg = QuantizedGemm.wordsPerGroup(bits, groupSize);
        int[] words = new int[groups(in, groupSize) * wpg * out];
        for (int k = 0; k < in; k++) {
            int g = k / groupSize;
            int local = k - g * groupSize;
            int base = (g * wpg + local / rpw) * out;
            int shift = bits * (local % rpw);
            for (int n = 0; n < out; n++) {
                int q = codes[k * out + n];
                if (q < 0 || q >= 1 << bits) {
                    throw new IllegalArgumentException("code " + q + " at (" + k + ", " + n + ") does not fit " + bits + " bits");
                }
                words[base + n] |= q << shift;
            }
        }
        return new QuantizedLinear(in, out, bits, groupSize, words, clone(scales), clone(zeros), clone(bias),
                clone(inputScales));
    }

    /** From the packed form {@link #packedCodes()} returns (what the codec stores). */
    public static QuantizedLinear fromPacked(int[] words, int in, int out, int bits, int groupSize, float[] scales,
                                             float[] zeros, float[] bias, float[] inputScales) {
        return new QuantizedLinear(in, out, bits, groupSize, clone(words), clone(scales), clone(zeros), clone(bias),
                clone(inputScales));
    }

    private static float[] clone(float[] a) {
        return a == null ? null : a.clone();
    }

    private static int[] clone(int[] a) {
        return a == null ? null : a.clone();
    }

    public static int groups(int in, int groupSize) {
        return (in + groupSize - 1) / groupSize;
    }

    @Override
    public void forward(float[] x, int rows, float[] out) {
        forward(x, rows, Activation.NONE, null, out);
    }

    @Override
    public void forward(float[] x, int rows, Activation act, float[] residual, float[] out) {
        if (rows >= FLOAT_GEMM_ROWS) {
            Gemm.matmul(x, 0, in, rows, dequantizePacked(), bias, act, residual, out, 0, this.out);
            return;
        }
        float[] input = x;
        if (inverseInputScales != null) {
            input = scaledInput.get(rows * in);
            for (int r = 0; r < rows; r++) {
                for (int k = 0; k < in; k++) {
                    input[r * in + k] = x[r * in + k] * inverseInputScales[k];
                }
            }
        }
        QuantizedGemm.matmul(input, rows, in, this.out, bits, groupSize, words, scales, zeros, bias, act, residual, out);
    }

    /** The straightforward computation with the dequantised weights, for tests of the fast kernel. */
    public void forwardReference(float[] x, int rows, Activation act, float[] residual, float[] out) {
        GemmReference.matmul(x, rows, in, dequantize(), this.out, bias, act, residual, out);
    }

    /**
     * The effective weight ({@link #dequantize}) written straight into the GEMM's packed layout, in a
     * per-thread buffer reused across calls; vectorised over output columns (codes of one input row
     * lie next to each other in the packed words).
     */
    private PackedMatrix dequantizePacked() {
        int nr = PackedMatrix.NR;
        int size = PackedMatrix.packedSize(in, out);
        float[] data = packedWeights.get(size);
        if (out % nr != 0) {
            java.util.Arrays.fill(data, 0, size, 0f); // the last panel's padding columns must be zero
        }
        int rpw = QuantizedGemm.rowsPerWord(bits);
        int wpg = QuantizedGemm.wordsPerGroup(bits, groupSize);
        int mask = (1 << bits) - 1;
        int lanes = SF.length();
        for (int k = 0; k < in; k++) {
            int g = k / groupSize;
            int local = k - g * groupSize;
            int base = (g * wpg + local / rpw) * out;
            int shift = bits * (local % rpw);
            float inv = inverseInputScales == null ? 1f : inverseInputScales[k];
            for (int n = 0; n < out; n += lanes) {
                var mi = SI.indexInRange(n, out);
                var mf = SF.indexInRange(n, out);
                IntVector q = IntVector.fromArray(SI, words, base + n, mi).lanewise(VectorOperators.LSHR, shift).and(mask);
                FloatVector w = ((FloatVector) q.convert(VectorOperators.I2F, 0))
                        .sub(FloatVector.fromArray(SF, zeros, g * out + n, mf))
                        .mul(FloatVector.fromArray(SF, scales, g * out + n, mf))
                        .mul(inv);
                int panel = n / nr;
                w.intoArray(data, panel * in * nr + k * nr + (n - panel * nr), mf);
            }
        }
        return PackedMatrix.ofPacked(in, out, data);
    }

    /** q [in x out] row-major, unpacked. */
    public int[] codes() {
        int rpw = QuantizedGemm.rowsPerWord(bits);
        int wpg = QuantizedGemm.wordsPerGroup(bits, groupSize);
        int mask = (1 << bits) - 1;
        int[] q = new int[in * out];
        for (int k = 0; k < in; k++) {
            int g = k / groupSize;
            int local = k - g * groupSize;
            int base = (g * wpg + local / rpw) * out;
            int shift = bits * (local % rpw);
            for (int n = 0; n < out; n++) {
                q[k * out + n] = (words[base + n] >>> shift) & mask;
            }
        }
        return q;
    }

    /** The effective weight [in x out] row-major: (q − z)·scale, divided by the input scale when there is one. */
    public float[] dequantize() {
        int[] q = codes();
        float[] w = new float[in * out];
        for (int k = 0; k < in; k++) {
            int g = k / groupSize;
            for (int n = 0; n < out; n++) {
                float v = (q[k * out + n] - zeros[g * out + n]) * scales[g * out + n];
                w[k * out + n] = inverseInputScales == null ? v : v * inverseInputScales[k];
            }
        }
        return w;
    }

    public int bits() {
        return bits;
    }

    public int groupSize() {
        return groupSize;
    }

    /** The packed codes (not a copy: do not modify). */
    public int[] packedCodes() {
        return words;
    }

    /** [groups x out] (not a copy). */
    public float[] scales() {
        return scales;
    }

    /** [groups x out], integer-valued (not a copy). */
    public float[] zeros() {
        return zeros;
    }

    /** [out] or null (not a copy). */
    public float[] bias() {
        return bias;
    }

    /** s_in [in] or null (not a copy). */
    public float[] inputScales() {
        return inputScales;
    }

    @Override
    public int inputDim() {
        return in;
    }

    @Override
    public int outputDim() {
        return out;
    }

    /** Weights, scales, zeros, bias and input scales, one each. */
    @Override
    public long parameterCount() {
        return (long) in * out + 2L * scales.length + (bias == null ? 0 : out) + (inputScales == null ? 0 : in);
    }

    /**
     * What the layer stores: the packed code words (32/bits codes per int, so 3, 5, 6 and 7 bits
     * waste a few bits per word), float32 scales, one byte per zero, float32 bias and input scales.
     */
    @Override
    public long byteSize() {
        return byteSize(in, out, bits, groupSize, bias != null, inputScales != null);
    }

    /** {@link #byteSize()} of a layer with this shape, without building it (for budget matching). */
    public static long byteSize(int in, int out, int bits, int groupSize, boolean bias, boolean inputScales) {
        int groups = groups(in, groupSize);
        long words = (long) groups * QuantizedGemm.wordsPerGroup(bits, groupSize) * out;
        long scales = (long) groups * out;
        return 4L * words + 4L * scales + scales + 4L * ((bias ? out : 0) + (inputScales ? in : 0));
    }
}
