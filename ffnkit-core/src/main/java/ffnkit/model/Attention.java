package ffnkit.model;

import ffnkit.kernels.Parallel;
import ffnkit.kernels.Simd;
import ffnkit.kernels.VectorMath;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Multi-head self-attention over packed sequences: tokens of all sequences lie one after another
 * (no padding), so a token only ever attends to its own sequence and the result for a text cannot
 * depend on its batch mates.
 *
 * <p>One task per (sequence, head). A task first transposes the head's keys into a workspace
 * [dh x n] (so q·kᵀ becomes broadcast-FMA over key vectors, the GEMM micro-kernel pattern) and
 * copies its values together [n x dh], then walks the queries in blocks of {@link #QB}: scores for
 * QB x n, softmax in place, and the weighted sum of values straight into ctx. Only a QB x n score block is live, in L1, whatever
 * the sequence length. Workspaces are per thread and reused; nothing is allocated per call once
 * they have grown to the longest sequence.
 */
public final class Attention {

    private static final VectorSpecies<Float> S = Simd.FLOAT;
    private static final int L = S.length();
    /** Query rows per block: 4 rows x 2 key vectors = 8 accumulators. */
    static final int QB = 4;

    private static final ThreadLocal<float[][]> WORK = ThreadLocal.withInitial(() -> new float[3][0]);

    private Attention() {
    }

    /**
     * @param qkv   [tokens x 3d]: query, key and value of each token side by side
     * @param start first token of each sequence
     * @param len   length of each sequence
     * @param ctx   [tokens x d] receives softmax(q·kᵀ/√dh)·v per head
     */
    public static void forward(float[] qkv, int[] start, int[] len, int heads, int d, float[] ctx) {
        if (heads <= 0 || d % heads != 0) {
            throw new IllegalArgumentException("d " + d + " is not a multiple of heads " + heads);
        }
        if (start.length != len.length) {
            throw new IllegalArgumentException("start and len differ in length");
        }
        int dh = d / heads;
        float scale = (float) (1.0 / Math.sqrt(dh));
        int sequences = start.length;
        Parallel.shared().forEach(sequences * heads, task -> {
            int s = task / heads;
            int h = task % heads;
            head(qkv, start[s], len[s], h * dh, d, dh, scale, ctx);
        });
    }

    private static void head(float[] qkv, int base, int n, int col, int d, int dh, float scale, float[] ctx) {
        if (n == 0) {
            return;
        }
        int stride = 3 * d;
        // Key count padded to whole vector pairs; padded keys are zero and masked out of the softmax.
        int np = (n + 2 * L - 1) / (2 * L) * (2 * L);
        float[][] work = WORK.get();
        if (work[0].length < dh * np) {
            work[0] = new float[dh * np];
        }
        if (work[1].length < QB * np) {
            work[1] = new float[QB * np];
        }
        if (work[2].length < n * dh) {
            work[2] = new float[n * dh];
        }
        float[] kt = work[0];
        float[] p = work[1];
        // The head's values copied together [n x dh]: in qkv a head's value rows lie 3d floats apart,
        // which maps them onto a few L1 sets, so every query block reread them from L2 (3% of
        // attention).
        float[] v = work[2];
        for (int j = 0; j < n; j++) {
            System.arraycopy(qkv, (base + j) * stride + 2 * d + col, v, j * dh, dh);
        }
        for (int c = 0; c < dh; c++) {
            int row = c * np;
            for (int j = 0; j < n; j++) {
                kt[row + j] = qkv[(base + j) * stride + d + col + c];
            }
            java.util.Arrays.fill(kt, row + n, row + np, 0f);
        }
        for (int i0 = 0; i0 < n; i0 += QB) {
            int rows = Math.min(QB, n - i0);
            // Rows past the end repeat the last query; their results are never stored.
            int q0 = (base + i0) * stride + col;
            int q1 = (base + i0 + Math.min(1, rows - 1)) * stride + col;
            int q2 = (base + i0 + Math.min(2, rows - 1)) * stride + col;
            int q3 = (base + i0 + Math.min(3, rows - 1)) * stride + col;
            scores(qkv, q0, q1, q2, q3, kt, dh, np, p);
            float inv0 = softmax(p, 0, n, np, scale);
            float inv1 = softmax(p, np, n, np, scale);
            float inv2 = rows > 2 ? softmax(p, 2 * np, n, np, scale) : 0f;
            float inv3 = rows > 3 ? softmax(p, 3 * np, n, np, scale) : 0f;
            weightedValues(v, n, np, p, dh, rows, ctx, (base + i0) * d + col, d, inv0, inv1, inv2, inv3);
        }
    }

    /** p[r][j] = q_r · k_j for the block's four queries and all (padded) keys. */
    private static void scores(float[] qkv, int q0, int q1, int q2, int q3, float[] kt, int dh, int np, float[] p) {
        for (int j = 0; j < np; j += 2 * L) {
            FloatVector a0 = FloatVector.zero(S), a1 = a0, b0 = a0, b1 = a0, c0 = a0, c1 = a0, e0 = a0, e1 = a0;
            for (int c = 0; c < dh; c++) {
                int k = c * np + j;
                FloatVector k0 = FloatVector.fromArray(S, kt, k);
                FloatVector k1 = FloatVector.fromArray(S, kt, k + L);
                FloatVector x = FloatVector.broadcast(S, qkv[q0 + c]);
                a0 = k0.fma(x, a0);
                a1 = k1.fma(x, a1);
                x = FloatVector.broadcast(S, qkv[q1 + c]);
                b0 = k0.fma(x, b0);
                b1 = k1.fma(x, b1);
                x = FloatVector.broadcast(S, qkv[q2 + c]);
                c0 = k0.fma(x, c0);
                c1 = k1.fma(x, c1);
                x = FloatVector.broadcast(S, qkv[q3 + c]);
                e0 = k0.fma(x, e0);
                e1 = k1.fma(x, e1);
            }
            a0.intoArray(p, j);
            a1.intoArray(p, j + L);
            b0.intoArray(p, np + j);
            b1.intoArray(p, np + j + L);
            c0.intoArray(p, 2 * np + j);
            c1.intoArray(p, 2 * np + j + L);
            e0.intoArray(p, 3 * np + j);
            e1.intoArray(p, 3 * np + j + L);
        }
    }

    /**
     * Replaces raw scores p[off .. off+n) with exp(scale·(s - max)), zeroes the padding, and returns
     * 1/sum so the caller normalises the n-times smaller output row instead of the weights.
     */
    private static float softmax(float[] p, int off, int n, int np, float scale) {
        FloatVector vmax = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        int j = 0;
        // Compare and blend, not max(): Java's max (NaN and -0.0 rules) costs ~6 instructions per
        // vector on x86; attention ran 10% faster without it (same results for real scores).
        for (; j + L <= n; j += L) {
            FloatVector x = FloatVector.fromArray(S, p, off + j);
            vmax = vmax.blend(x, vmax.lt(x));
        }
        float max = vmax.reduceLanes(VectorOperators.MAX);
        for (; j < n; j++) {
            max = Math.max(max, p[off + j]);
        }
        return 1f / VectorMath.expScaled(p, off, np, n, scale, -max * scale);
    }

    /** ctx rows = (Σ_j p[r][j]·v_j)·inv_r for the block's valid rows. */
    private static void weightedValues(float[] v, int n, int np, float[] p, int dh, int rows,
                                       float[] ctx, int out, int ldc, float inv0, float inv1, float inv2, float inv3) {
        int c = 0;
        for (; c + 2 * L <= dh; c += 2 * L) {
            FloatVector a0 = FloatVector.zero(S), a1 = a0, b0 = a0, b1 = a0, c0 = a0, c1 = a0, e0 = a0, e1 = a0;
            for (int j = 0; j < n; j++) {
                int vj = j * dh + c;
                FloatVector x0 = FloatVector.fromArray(S, v, vj);
                FloatVector x1 = FloatVector.fromArray(S, v, vj + L);
                FloatVector w = FloatVector.broadcast(S, p[j]);
                a0 = x0.fma(w, a0);
                a1 = x1.fma(w, a1);
                w = FloatVector.broadcast(S, p[np + j]);
                b0 = x0.fma(w, b0);
                b1 = x1.fma(w, b1);
                w = FloatVector.broadcast(S, p[2 * np + j]);
                c0 = x0.fma(w, c0);
                c1 = x1.fma(w, c1);
                w = FloatVector.broadcast(S, p[3 * np + j]);
                e0 = x0.fma(w, e0);
                e1 = x1.fma(w, e1);
            }
            a0.mul(inv0).intoArray(ctx, out + c);
            a1.mul(inv0).intoArray(ctx, out + c + L);
            if (rows > 1) {
                b0.mul(inv1).intoArray(ctx, out + ldc + c);
                b1.mul(inv1).intoArray(ctx, out + ldc + c + L);
            }
            if (rows > 2) {
                c0.mul(inv2).intoArray(ctx, out + 2 * ldc + c);
                c1.mul(inv2).intoArray(ctx, out + 2 * ldc + c + L);
            }
            if (rows > 3) {
                e0.mul(inv3).intoArray(ctx, out + 3 * ldc + c);
                e1.mul(inv3).intoArray(ctx, out + 3 * ldc + c + L);
            }
        }
        // Head widths that are not a multiple of two vectors (rare): one masked vector at a time.
        for (; c < dh; c += L) {
            VectorMask<Float> m = S.indexInRange(c, dh);
            float[] inv = {inv0, inv1, inv2, inv3};
            for (int r = 0; r < rows; r++) {
                FloatVector a = FloatVector.zero(S);
                for (int j = 0; j < n; j++) {
                    a = FloatVector.fromArray(S, v, j * dh + c, m)
                            .fma(FloatVector.broadcast(S, p[r * np + j]), a);
                }
                a.mul(inv[r]).intoArray(ctx, out + r * ldc + c, m);
            }
        }
    }
}
