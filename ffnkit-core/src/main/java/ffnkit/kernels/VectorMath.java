package ffnkit.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vectorised special functions for kernel epilogues (GELU) and softmax (exp), built only from
 * add/mul/fma/div/min/max and bit tricks so they compile to straight-line SIMD code on any
 * x86 JIT (no dependence on the JDK's optional SVML stubs). Lane-wise semantics match the scalar
 * versions in {@link MathFunctions} to ~3e-7 absolute (erf) / ~2 ulp (exp).
 *
 * <p>Why array in, array out, with each polynomial written inside its loop: a helper that takes
 * and returns a FloatVector is only fast when C2 inlines it. Once such a helper is hot on its own,
 * C2 compiles it standalone and then refuses to inline it ("already compiled into a medium
 * method"), so every call boxes its vectors: the GELU epilogue of the FFN up-projection cost 28%
 * of that GEMM this way (15.1 vs 11.8 ms at 1024 x 384 x 1536). Methods that take arrays and ints
 * cost a plain call when not inlined.
 *
 * <p>Clamps are a compare and a blend, not {@code max}/{@code min}: Java's min and max (NaN and
 * -0.0 rules) compile to about six instructions per vector on x86, a third of the softmax exp's
 * work. For finite inputs the results are the same; a NaN passes through either way.
 */
public final class VectorMath {

    private static final VectorSpecies<Float> S = Simd.FLOAT;
    private static final int L = S.length();

    private VectorMath() {
    }

    // erf: a [13/8] odd/even rational minimax fit on [-4, 4] (the single-precision form used by
    // Eigen and XLA). Outside that range float erf is ±1 to within 1.6e-8, so clamping is exact
    // enough. Max absolute error against the double erf, evaluated in float: 3.3e-7 (VectorMathTest).
    private static final float A1 = -1.60960333262415e-02f;
    private static final float A3 = -2.95459980854025e-03f;
    private static final float A5 = -7.34990630326855e-04f;
    private static final float A7 = -5.69250639462346e-05f;
    private static final float A9 = -2.10102402082508e-06f;
    private static final float A11 = 2.77068142495902e-08f;
    private static final float A13 = -2.72614225801306e-10f;
    private static final float B0 = -1.42647390514189e-02f;
    private static final float B2 = -7.37332916720468e-03f;
    private static final float B4 = -1.68282697438203e-03f;
    private static final float B6 = -2.13374055278905e-04f;
    private static final float B8 = -1.45660718464996e-05f;
    private static final float INV_SQRT2 = 0.70710678118654752f;

    /** x[off, off+len) = erf(x), in place. */
    public static void erf(float[] x, int off, int len) {
        erfOrGelu(x, off, len, null, 0, false);
    }

    /**
     * x[off+i] = gelu(x[off+i] + bias[biasOff+i]) for i in [0, len), in place; bias may be null.
     * Exact (erf) GELU: v/2·(1 + erf(v/√2)).
     */
    public static void gelu(float[] x, int off, int len, float[] bias, int biasOff) {
        erfOrGelu(x, off, len, 1, len, bias, biasOff, true);
    }

    /**
     * The same on a block of {@code rows} rows of {@code len} values, row r starting at off + r·ld
     * (a GEMM output tile): one call per tile, not per row, keeps the call and loop overhead off
     * the short rows of a tile (32 floats).
     */
    public static void gelu(float[] x, int off, int ld, int rows, int len, float[] bias, int biasOff) {
        erfOrGelu(x, off, ld, rows, len, bias, biasOff, true);
    }

    private static void erfOrGelu(float[] x, int off, int len, float[] bias, int biasOff, boolean gelu) {
        erfOrGelu(x, off, len, 1, len, bias, biasOff, gelu);
    }

    private static void erfOrGelu(float[] x, int off0, int ld, int rows, int len, float[] bias, int biasOff,
                                  boolean gelu) {
        FloatVector lo = bc(-4f);
        FloatVector hi = bc(4f);
        for (int r = 0; r < rows; r++) {
            int off = off0 + r * ld;
            for (int i = 0; i < len; i += L) {
                // Masks only on a partial last vector (GEMM tiles are whole vectors wide).
                boolean whole = i + L <= len;
                VectorMask<Float> m = whole ? null : S.indexInRange(i, len);
                FloatVector v = whole ? FloatVector.fromArray(S, x, off + i) : FloatVector.fromArray(S, x, off + i, m);
                if (bias != null) {
                    v = v.add(whole ? FloatVector.fromArray(S, bias, biasOff + i)
                            : FloatVector.fromArray(S, bias, biasOff + i, m));
                }
                FloatVector z = gelu ? v.mul(INV_SQRT2) : v;
                z = z.blend(lo, z.lt(lo)).blend(hi, hi.lt(z));
                FloatVector z2 = z.mul(z);
                FloatVector p = bc(A13);
                p = p.fma(z2, bc(A11));
                p = p.fma(z2, bc(A9));
                p = p.fma(z2, bc(A7));
                p = p.fma(z2, bc(A5));
                p = p.fma(z2, bc(A3));
                p = p.fma(z2, bc(A1));
                p = p.mul(z);
                FloatVector q = bc(B8);
                q = q.fma(z2, bc(B6));
                q = q.fma(z2, bc(B4));
                q = q.fma(z2, bc(B2));
                q = q.fma(z2, bc(B0));
                FloatVector erf = p.div(q);
                if (gelu) {
                    FloatVector half = v.mul(0.5f);
                    erf = half.fma(erf, half);
                }
                if (whole) {
                    erf.intoArray(x, off + i);
                } else {
                    erf.intoArray(x, off + i, m);
                }
            }
        }
    }

    // exp: range reduction x = n·ln2 + r, |r| <= ln2/2 (n rounded to nearest by the 1.5·2^23
    // trick, which also leaves n in the low mantissa bits for building 2^n), then a degree-6
    // polynomial for e^r (Cephes expf coefficients, ~1 ulp).
    private static final float LOG2E = 1.44269504088896341f;
    private static final float LN2_HI = 0.693359375f;
    private static final float LN2_LO = -2.12194440e-4f;
    private static final float P0 = 1.9875691500e-4f;
    private static final float P1 = 1.3981999507e-3f;
    private static final float P2 = 8.3334519073e-3f;
    private static final float P3 = 4.1665795894e-2f;
    private static final float P4 = 1.6666665459e-1f;
    private static final float P5 = 5.0000001201e-1f;
    private static final float ROUND = 12582912f; // 1.5·2^23
    private static final int ROUND_BITS = Float.floatToRawIntBits(ROUND);

    /**
     * x = e^x on [off, off+len), in place. Inputs below -87.33 give the smallest normal float
     * (~1.2e-38) rather than a denormal or 0; above 88.37 the result saturates (~2.6e38) rather
     * than +Inf. No caller (softmax weights) needs either end.
     */
    public static void exp(float[] x, int off, int len) {
        expScaled(x, off, len, len, 1f, 0f);
    }

    /**
     * The softmax numerator: x[off+j] = e^(scale·x[off+j] + shift) for j < n and 0 for n <= j < len
     * (padding); returns the sum of the n values.
     */
    public static float expScaled(float[] x, int off, int len, int n, float scale, float shift) {
        FloatVector vs = bc(scale);
        FloatVector vt = bc(shift);
        FloatVector sum = FloatVector.zero(S);
        FloatVector lo = bc(-87.33f);
        FloatVector hi = bc(88.37f);
        // Whole vectors without masks, then one masked vector for the rest of n, then the padding:
        // the softmax is op-bound, and masks, compares and blends were a fifth of its work.
        for (int j = 0; j < n; j += L) {
            boolean whole = j + L <= n;
            FloatVector a = whole ? FloatVector.fromArray(S, x, off + j)
                    : FloatVector.fromArray(S, x, off + j, S.indexInRange(j, n));
            // Clamped to the ln of the smallest and largest normal floats: no denormals, no Inf.
            a = a.fma(vs, vt);
            a = a.blend(lo, a.lt(lo)).blend(hi, hi.lt(a));
            FloatVector t = a.fma(bc(LOG2E), bc(ROUND));
            FloatVector k = t.sub(ROUND);
            FloatVector r = k.fma(bc(-LN2_HI), a);
            r = k.fma(bc(-LN2_LO), r);
            FloatVector y = bc(P0);
            y = y.fma(r, bc(P1));
            y = y.fma(r, bc(P2));
            y = y.fma(r, bc(P3));
            y = y.fma(r, bc(P4));
            y = y.fma(r, bc(P5));
            y = y.fma(r.mul(r), r).add(1f);
            IntVector e = ((IntVector) t.reinterpretAsInts()).add(127 - ROUND_BITS).lanewise(VectorOperators.LSHL, 23);
            y = y.mul(e.reinterpretAsFloats());
            if (whole) {
                y.intoArray(x, off + j);
            } else {
                VectorMask<Float> m = S.indexInRange(j, n);
                y = y.blend(0f, m.not());
                y.intoArray(x, off + j, m);
            }
            sum = sum.add(y);
        }
        java.util.Arrays.fill(x, off + n, off + len, 0f);
        return Simd.sum(sum);
    }

    private static FloatVector bc(float v) {
        return FloatVector.broadcast(S, v);
    }
}
