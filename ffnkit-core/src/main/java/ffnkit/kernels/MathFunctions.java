package ffnkit.kernels;

/** Scalar special functions that java.lang.Math lacks. */
public final class MathFunctions {

    private MathFunctions() {
    }

    private static final double INV_SQRT2 = 0.7071067811865476;

    /** Exact (erf) GELU in float, evaluated in double so it matches ONNX Runtime's Erf to ~1 ulp. */
    public static float gelu(float x) {
        return (float) (0.5 * x * (1.0 + erf(x * INV_SQRT2)));
    }

    /**
     * erf via the complementary error function of Numerical Recipes (Chebyshev fit, fractional
     * error below 1.2e-7 everywhere): well inside float precision, without a table.
     */
    public static double erf(double x) {
        double z = Math.abs(x);
        double t = 1.0 / (1.0 + 0.5 * z);
        double erfc = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418
                + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587
                + t * (-0.82215223 + t * 0.17087277)))))))));
        return x >= 0 ? 1.0 - erfc : erfc - 1.0;
    }
}
