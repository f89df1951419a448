package ffnkit.lookup;

/**
 * The projection z = P(x) + bias in its two forms, written plainly (this is the reference the fast
 * kernel is tested against, and the form training differentiates).
 *
 * <p>BH4 (paper Sec. 4): pad x to p = next pow2 >= d; for each of R = ceil(h·tau/p) repeats,
 * v = x_pad, then 4 times: v = H(v·blockdiag(W_r,s)) with p/b blocks of b x b and H the
 * orthonormal Walsh-Hadamard transform ({@link Hadamard}); the repeat contributes
 * 0.7·v + 0.3·x_pad. The repeats are concatenated, truncated to h·tau, and the bias is added.
 *
 * <p>Weight layout, BH4: w[(((r·4 + s)·(p/b) + blk)·b + i)·b + o], block (r, s, blk) maps input i
 * to output o (x·W convention). Dense: w[i·(h·tau) + o], [d x h·tau] row-major.
 *
 * <p>Accumulation order is fixed (ascending input index, fused multiply-add starting from 0, then
 * the bias) because the fast kernel reproduces it exactly: z is bit-identical, so the sign-bit
 * codes of reference and kernel agree even for z within rounding of 0.
 */
public final class Bh4 {

    /** Block-diagonal matmul + Hadamard pairs per repeat ("4" in BH4). */
    public static final int STAGES = 4;
    /** Mixing weights of the transformed and the raw input (paper's code: 0.7 and 0.3). */
    public static final float MIX_TRANSFORMED = 0.7f;
    public static final float MIX_INPUT = 0.3f;

    private Bh4() {
    }

    /** Reference projection of one token: z[zOff..zOff+h·tau) = P(x[xOff..xOff+d)) + bias. */
    public static void project(LookupShape s, float[] w, float[] bias, float[] x, int xOff, float[] z, int zOff) {
        project(s, w, bias, x, xOff, z, zOff, null);
    }

    /**
     * As {@link #project}, optionally saving each BH4 stage's matmul input into
     * stages[((r·4 + st)·p) ..] (R·4·p floats), which is what the backward pass needs.
     */
    public static void project(LookupShape s, float[] w, float[] bias, float[] x, int xOff, float[] z, int zOff,
                               float[] stages) {
        int d = s.inputDim();
        int n = s.codeDim();
        if (s.projection() == LookupShape.ProjectionKind.DENSE) {
            for (int o = 0; o < n; o++) {
                float acc = 0f;
                for (int i = 0; i < d; i++) {
                    acc = Math.fma(x[xOff + i], w[i * n + o], acc);
                }
                z[zOff + o] = acc + bias[o];
            }
            return;
        }
        int p = s.paddedDim();
        int b = s.block();
        float[] xpad = new float[p];
        System.arraycopy(x, xOff, xpad, 0, d);
        float[] v = new float[p];
        float[] u = new float[p];
        for (int r = 0; r < s.repeats(); r++) {
            System.arraycopy(xpad, 0, v, 0, p);
            for (int st = 0; st < STAGES; st++) {
                if (stages != null) {
                    System.arraycopy(v, 0, stages, (r * STAGES + st) * p, p);
                }
                int wBase = (r * STAGES + st) * p * b;
                for (int blk = 0; blk < p; blk += b) {
                    for (int o = 0; o < b; o++) {
                        float acc = 0f;
                        for (int i = 0; i < b; i++) {
                            acc = Math.fma(v[blk + i], w[wBase + (blk + i) * b + o], acc);
                        }
                        u[blk + o] = acc;
                    }
                }
                Hadamard.transform(u, 0, p);
                float[] t = v;
                v = u;
                u = t;
            }
            int len = Math.min(p, n - r * p);
            for (int j = 0; j < len; j++) {
                z[zOff + r * p + j] = (MIX_TRANSFORMED * v[j] + MIX_INPUT * xpad[j]) + bias[r * p + j];
            }
        }
    }

    /**
     * Backward of the projection for one token: given dz (gradient w.r.t. z), adds the weight
     * gradient into dw (the bias gradient is dz itself; the input x is not trained). stages must
     * hold what {@link #project(LookupShape, float[], float[], float[], int, float[], int, float[])}
     * saved for this token.
     */
    public static void backward(LookupShape s, float[] w, float[] x, int xOff, float[] stages, float[] dz, int dzOff,
                                float[] dw) {
        int d = s.inputDim();
        int n = s.codeDim();
        if (s.projection() == LookupShape.ProjectionKind.DENSE) {
            for (int i = 0; i < d; i++) {
                float xi = x[xOff + i];
                int row = i * n;
                for (int o = 0; o < n; o++) {
                    dw[row + o] += xi * dz[dzOff + o];
                }
            }
            return;
        }
        int p = s.paddedDim();
        int b = s.block();
        float[] g = new float[p];
        float[] gin = new float[p];
        for (int r = 0; r < s.repeats(); r++) {
            int len = Math.min(p, n - r * p);
            java.util.Arrays.fill(g, 0f);
            for (int j = 0; j < len; j++) {
                g[j] = MIX_TRANSFORMED * dz[dzOff + r * p + j];
            }
            for (int st = STAGES - 1; st >= 0; st--) {
                // v_out = H(u), u = v_in·W: H is symmetric and orthonormal, so dL/du = H(dL/dv_out)
                Hadamard.transform(g, 0, p);
                int wBase = (r * STAGES + st) * p * b;
                int sBase = (r * STAGES + st) * p;
                for (int blk = 0; blk < p; blk += b) {
                    for (int i = 0; i < b; i++) {
                        float vi = stages[sBase + blk + i];
                        int row = wBase + (blk + i) * b;
                        float acc = 0f;
                        for (int o = 0; o < b; o++) {
                            dw[row + o] += vi * g[blk + o];
                            acc += w[row + o] * g[blk + o];
                        }
                        gin[blk + i] = acc;
                    }
                }
                float[] t = g;
                g = gin;
                gin = t;
            }
        }
    }
}
