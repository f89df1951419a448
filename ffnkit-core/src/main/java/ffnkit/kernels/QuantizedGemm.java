package ffnkit.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * c = act(x·Ŵ + bias) + residual for a weight-only quantised Ŵ [in x out], dequantised on the fly.
 *
 * <p>Storage (see {@code ffnkit.model.QuantizedLinear}): codes q ∈ [0, 2^bits) packed
 * {@code 32/bits} input rows per int, column-contiguous: word {@code (g·wordsPerGroup + w)·out + n}
 * holds rows {@code g·groupSize + w·rowsPerWord + t}, t = 0.., at bit offset t·bits. Each group g of
 * input rows has a scale s[g][n] and zero z[g][n]: Ŵ[k][n] = (q[k][n] − z[g][n])·s[g][n].
 *
 * <p>The kernel uses the group factorisation Σ_k x_k·(q_k − z)·s = s·(Σ_k x_k·q_k − z·Σ_k x_k):
 * the inner loop only widens the integer codes to float and FMAs; scale and zero are applied once
 * per group. Each decoded weight vector serves a block of four rows, so batch > 1 amortises the
 * unpacking. Columns are split over the shared thread pool.
 */
public final class QuantizedGemm {

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    static {
        if (I.length() != L) {
            throw new AssertionError("int and float vector species differ in length");
        }
    }

    private QuantizedGemm() {
    }

    public static int rowsPerWord(int bits) {
        return 32 / bits;
    }

    public static int wordsPerGroup(int bits, int groupSize) {
        return (groupSize + rowsPerWord(bits) - 1) / rowsPerWord(bits);
    }

    public static void matmul(float[] x, int rows, int in, int out, int bits, int groupSize, int[] words,
                              float[] scales, float[] zeros, float[] bias, Activation act, float[] residual,
                              float[] c) {
        int groups = (in + groupSize - 1) / groupSize;
        float[] xs = new float[rows * groups];
        for (int r = 0; r < rows; r++) {
            for (int k = 0; k < in; k++) {
                xs[r * groups + k / groupSize] += x[r * in + k];
            }
        }
        int vectors = out / L;
        int tasks = Math.max(1, Math.min(vectors, Parallel.shared().threads() * 2));
        Parallel.shared().forEach(tasks, t -> {
            int from = (int) ((long) vectors * t / tasks);
            int to = (int) ((long) vectors * (t + 1) / tasks);
            int v = from;
            if (rows < 4) {
                // too few rows to hide the FMA latency across rows: four column vectors per row instead
                for (; v + 4 <= to; v += 4) {
                    for (int row = 0; row < rows; row++) {
                        wide(x, xs, row, in, out, v * L, bits, groupSize, groups, words, scales, zeros, bias, act,
                                residual, c);
                    }
                }
            }
            for (; v < to; v++) {
                for (int r0 = 0; r0 < rows; r0 += 4) {
                    block(x, xs, rows, r0, in, out, v * L, bits, groupSize, groups, words, scales, zeros, bias, act,
                            residual, c);
                }
            }
            if (t == tasks - 1) {
                for (int n = vectors * L; n < out; n++) {
                    column(x, xs, rows, in, out, n, bits, groupSize, groups, words, scales, zeros, bias, act,
                            residual, c);
                }
            }
        });
    }

    /** L columns from c0, rows r0..r0+3 (rows past the end recompute the last row and are not stored). */
    private static void block(float[] x, float[] xs, int rows, int r0, int in, int out, int c0, int bits,
                              int groupSize, int groups, int[] words, float[] scales, float[] zeros, float[] bias,
                              Activation act, float[] residual, float[] c) {
        int i0 = r0;
        int i1 = Math.min(r0 + 1, rows - 1);
        int i2 = Math.min(r0 + 2, rows - 1);
        int i3 = Math.min(r0 + 3, rows - 1);
        int rpw = rowsPerWord(bits);
        int wpg = wordsPerGroup(bits, groupSize);
        IntVector mask = IntVector.broadcast(I, (1 << bits) - 1);
        FloatVector init = bias == null ? FloatVector.zero(S) : FloatVector.fromArray(S, bias, c0);
        FloatVector a0 = init;
        FloatVector a1 = init;
        FloatVector a2 = init;
        FloatVector a3 = init;
        for (int g = 0; g < groups; g++) {
            FloatVector g0 = FloatVector.zero(S);
            FloatVector g1 = g0;
            FloatVector g2 = g0;
            FloatVector g3 = g0;
            int k = g * groupSize;
            int kEnd = Math.min(in, k + groupSize);
            int wi = g * wpg * out + c0;
            while (k < kEnd) {
                IntVector word = IntVector.fromArray(I, words, wi);
                wi += out;
                int tEnd = Math.min(rpw, kEnd - k);
                for (int t = 0; t < tEnd; t++, k++) {
                    FloatVector q = (FloatVector) word.and(mask).convert(VectorOperators.I2F, 0);
                    word = word.lanewise(VectorOperators.LSHR, bits);
                    g0 = q.fma(FloatVector.broadcast(S, x[i0 * in + k]), g0);
                    g1 = q.fma(FloatVector.broadcast(S, x[i1 * in + k]), g1);
                    g2 = q.fma(FloatVector.broadcast(S, x[i2 * in + k]), g2);
                    g3 = q.fma(FloatVector.broadcast(S, x[i3 * in + k]), g3);
                }
            }
            FloatVector s = FloatVector.fromArray(S, scales, g * out + c0);
            FloatVector z = FloatVector.fromArray(S, zeros, g * out + c0);
            a0 = g0.sub(z.mul(xs[i0 * groups + g])).fma(s, a0);
            a1 = g1.sub(z.mul(xs[i1 * groups + g])).fma(s, a1);
            a2 = g2.sub(z.mul(xs[i2 * groups + g])).fma(s, a2);
            a3 = g3.sub(z.mul(xs[i3 * groups + g])).fma(s, a3);
        }
        store(a0, i0, out, c0, act, residual, c);
        if (r0 + 1 < rows) {
            store(a1, i1, out, c0, act, residual, c);
        }
        if (r0 + 2 < rows) {
            store(a2, i2, out, c0, act, residual, c);
        }
        if (r0 + 3 < rows) {
            store(a3, i3, out, c0, act, residual, c);
        }
    }

    /** One row, 4·L columns from c0: four independent FMA chains, one per column vector. */
    private static void wide(float[] x, float[] xs, int row, int in, int out, int c0, int bits, int groupSize,
                             int groups, int[] words, float[] scales, float[] zeros, float[] bias, Activation act,
                             float[] residual, float[] c) {
        int rpw = rowsPerWord(bits);
        int wpg = wordsPerGroup(bits, groupSize);
        IntVector mask = IntVector.broadcast(I, (1 << bits) - 1);
        FloatVector a0 = bias == null ? FloatVector.zero(S) : FloatVector.fromArray(S, bias, c0);
        FloatVector a1 = bias == null ? FloatVector.zero(S) : FloatVector.fromArray(S, bias, c0 + L);
        FloatVector a2 = bias == null ? FloatVector.zero(S) : FloatVector.fromArray(S, bias, c0 + 2 * L);
        FloatVector a3 = bias == null ? FloatVector.zero(S) : FloatVector.fromArray(S, bias, c0 + 3 * L);
        int xo = row * in;
        for (int g = 0; g < groups; g++) {
            FloatVector g0 = FloatVector.zero(S);
            FloatVector g1 = g0;
            FloatVector g2 = g0;
            FloatVector g3 = g0;
            int k = g * groupSize;
            int kEnd = Math.min(in, k + groupSize);
            int wi = g * wpg * out + c0;
            while (k < kEnd) {
                IntVector w0 = IntVector.fromArray(I, words, wi);
                IntVector w1 = IntVector.fromArray(I, words, wi + L);
                IntVector w2 = IntVector.fromArray(I, words, wi + 2 * L);
                IntVector w3 = IntVector.fromArray(I, words, wi + 3 * L);
                wi += out;
                int tEnd = Math.min(rpw, kEnd - k);
                for (int t = 0; t < tEnd; t++, k++) {
                    FloatVector xv = FloatVector.broadcast(S, x[xo + k]);
                    g0 = ((FloatVector) w0.and(mask).convert(VectorOperators.I2F, 0)).fma(xv, g0);
                    g1 = ((FloatVector) w1.and(mask).convert(VectorOperators.I2F, 0)).fma(xv, g1);
                    g2 = ((FloatVector) w2.and(mask).convert(VectorOperators.I2F, 0)).fma(xv, g2);
                    g3 = ((FloatVector) w3.and(mask).convert(VectorOperators.I2F, 0)).fma(xv, g3);
                    w0 = w0.lanewise(VectorOperators.LSHR, bits);
                    w1 = w1.lanewise(VectorOperators.LSHR, bits);
                    w2 = w2.lanewise(VectorOperators.LSHR, bits);
                    w3 = w3.lanewise(VectorOperators.LSHR, bits);
                }
            }
            float sx = xs[row * groups + g];
            int so = g * out + c0;
            a0 = g0.sub(FloatVector.fromArray(S, zeros, so).mul(sx)).fma(FloatVector.fromArray(S, scales, so), a0);
            a1 = g1.sub(FloatVector.fromArray(S, zeros, so + L).mul(sx)).fma(FloatVector.fromArray(S, scales, so + L), a1);
            a2 = g2.sub(FloatVector.fromArray(S, zeros, so + 2 * L).mul(sx)).fma(FloatVector.fromArray(S, scales, so + 2 * L), a2);
            a3 = g3.sub(FloatVector.fromArray(S, zeros, so + 3 * L).mul(sx)).fma(FloatVector.fromArray(S, scales, so + 3 * L), a3);
        }
        store(a0, row, out, c0, act, residual, c);
        store(a1, row, out, c0 + L, act, residual, c);
        store(a2, row, out, c0 + 2 * L, act, residual, c);
        store(a3, row, out, c0 + 3 * L, act, residual, c);
    }

    private static void store(FloatVector acc, int row, int out, int c0, Activation act, float[] residual, float[] c) {
        int off = row * out + c0;
        acc.intoArray(c, off);
        if (act != Activation.NONE || residual != null) {
            for (int j = off; j < off + L; j++) {
                float v = act.apply(c[j]);
                c[j] = residual == null ? v : v + residual[j];
            }
        }
    }

    /** One leftover column, scalar. */
    private static void column(float[] x, float[] xs, int rows, int in, int out, int n, int bits, int groupSize,
                               int groups, int[] words, float[] scales, float[] zeros, float[] bias, Activation act,
                               float[] residual, float[] c) {
        int rpw = rowsPerWord(bits);
        int wpg = wordsPerGroup(bits, groupSize);
        int mask = (1 << bits) - 1;
        for (int r = 0; r < rows; r++) {
            float acc = bias == null ? 0f : bias[n];
            for (int g = 0; g < groups; g++) {
                float dot = 0;
                for (int k = g * groupSize; k < Math.min(in, (g + 1) * groupSize); k++) {
                    int local = k - g * groupSize;
                    int word = words[(g * wpg + local / rpw) * out + n];
                    dot += x[r * in + k] * ((word >>> (bits * (local % rpw))) & mask);
                }
                acc += scales[g * out + n] * (dot - zeros[g * out + n] * xs[r * groups + g]);
            }
            float v = act.apply(acc);
            c[r * out + n] = residual == null ? v : v + residual[r * out + n];
        }
    }
}
