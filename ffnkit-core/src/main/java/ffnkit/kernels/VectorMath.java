package ffnkit.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Vectorised special functions for kernel epilogues (GELU) and softmax (exp), built only from
 * add/mul/fma/div/min/max and bit tricks so they compile to straight-line SIMD code on any
 * x86 JIT (no dependence on the JDK's optional SVML stubs). Lane-wise semantics match the scalar
 * versions in {@link MathFunctions} to ~3e-7 absolute (erf) / ~2 ulp (exp).
 */
public final class VectorMath {

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

    public static FloatVector erf(FloatVector x) {
        x = x.max(-4f).min(4f);
        FloatVector x2 = x.mul(x);
        FloatVector p = bc(x, A13);
        p = p.fma(x2, bc(x, A11));
        p = p.fma(x2, bc(x, A9));
        p = p.fma(x2, bc(x, A7));
        p = p.fma(x2, bc(x, A5));
        p = p.fma(x2, bc(x, A3));
        p = p.fma(x2, bc(x, A1));
        p = p.mul(x);
        FloatVector q = bc(x, B8);
        q = q.fma(x2, bc(x, B6));
        q = q.fma(x2, bc(x, B4));
        q = q.fma(x2, bc(x, B2));
        q = q.fma(x2, bc(x, B0));
        return p.div(q);
    }

    private static final float INV_SQRT2 = 0.70710678118654752f;

    /** Exact (erf) GELU: x/2·(1 + erf(x/√2)). */
    public static FloatVector gelu(FloatVector x) {
        FloatVector half = x.mul(0.5f);
        return half.fma(erf(x.mul(INV_SQRT2)), half);
    }

    // exp: Cody-Waite range reduction x = n·ln2 + r, |r| <= ln2/2, then a degree-6 polynomial for
    // e^r (Cephes expf coefficients, ~1 ulp) and 2^n built in the exponent bits.
    private static final float LOG2E = 1.44269504088896341f;
    private static final float LN2_HI = 0.693359375f;
    private static final float LN2_LO = -2.12194440e-4f;
    private static final float P0 = 1.9875691500e-4f;
    private static final float P1 = 1.3981999507e-3f;
    private static final float P2 = 8.3334519073e-3f;
    private static final float P3 = 4.1665795894e-2f;
    private static final float P4 = 1.6666665459e-1f;
    private static final float P5 = 5.0000001201e-1f;

    /**
     * e^x for softmax arguments. Inputs below -87.3 give 0 (instead of denormals), above 88.7
     * +Inf is not needed by callers (softmax subtracts the max) and saturates to ~1.7e38.
     */
    public static FloatVector exp(FloatVector x) {
        var underflow = x.compare(VectorOperators.LT, -87.33f);
        x = x.max(-87.33f).min(88.37f);
        FloatVector n = x.mul(LOG2E).add(0.5f);
        n = floor(n);
        FloatVector r = n.fma(bc(x, -LN2_HI), x);
        r = n.fma(bc(x, -LN2_LO), r);
        FloatVector r2 = r.mul(r);
        FloatVector y = bc(r, P0);
        y = y.fma(r, bc(r, P1));
        y = y.fma(r, bc(r, P2));
        y = y.fma(r, bc(r, P3));
        y = y.fma(r, bc(r, P4));
        y = y.fma(r, bc(r, P5));
        y = y.fma(r2, r).add(1f);
        IntVector e = ((IntVector) n.convert(VectorOperators.F2I, 0)).add(127).lanewise(VectorOperators.LSHL, 23);
        FloatVector scale = e.reinterpretAsFloats();
        return y.mul(scale).blend(0f, underflow);
    }

    /** floor for |x| < 2^31: truncate toward zero, then step down where that rounded up. */
    private static FloatVector floor(FloatVector x) {
        FloatVector t = (FloatVector) ((IntVector) x.convert(VectorOperators.F2I, 0)).convert(VectorOperators.I2F, 0);
        return t.sub(1f, t.compare(VectorOperators.GT, x));
    }

    private static FloatVector bc(FloatVector like, float v) {
        return FloatVector.broadcast(like.species(), v);
    }
}
