package ffnkit.kernels;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class VectorMathTest {

    /**
     * erf in double to ~1e-15 for |x| < 7: (2/√π)·e^(-x²)·Σ 2ⁿx^(2n+1)/(2n+1)!!, a series of positive
     * terms (no cancellation), so it is a far better reference than the one under test.
     */
    static double erfExact(double x) {
        double term = x;
        double sum = x;
        for (int n = 1; n < 500 && Math.abs(term) > 1e-17 * Math.abs(sum); n++) {
            term *= 2 * x * x / (2 * n + 1);
            sum += term;
        }
        return 2 / Math.sqrt(Math.PI) * Math.exp(-x * x) * sum;
    }

    /** Applies an in-place array function to a copy of x (odd lengths exercise the masked tail). */
    private static float[] apply(java.util.function.Consumer<float[]> f, float[] x) {
        float[] y = x.clone();
        f.accept(y);
        return y;
    }

    private static float[] erf(float[] x) {
        return apply(y -> VectorMath.erf(y, 0, y.length), x);
    }

    private static float[] gelu(float[] x) {
        return apply(y -> VectorMath.gelu(y, 0, y.length, null, 0), x);
    }

    private static float[] exp(float[] x) {
        return apply(y -> VectorMath.exp(y, 0, y.length), x);
    }

    private static float[] grid(float from, float to, float step) {
        int n = (int) ((to - from) / step) + 1;
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = from + i * step;
        }
        return x;
    }

    @Test
    void erfMatchesDoubleErfToHalfAMillionth() {
        float[] x = grid(-7f, 7f, 1e-4f);
        float[] y = erf(x);
        double worst = 0;
        for (int i = 0; i < x.length; i++) {
            worst = Math.max(worst, Math.abs(y[i] - erfExact(x[i])));
        }
        // Measured 3.3e-7 (a few float ulps near |erf| ~ 1, from float evaluation of the rational
        // fit); the encoder's 1e-4 budget needs ~1e-6. A bug in a coefficient gives >= 1e-5.
        assertTrue(worst < 5e-7, "max |erf error| = " + worst);
    }

    @Test
    void scalarReferenceErfIsAlsoAccurate() {
        double worst = 0;
        for (float x : grid(-7f, 7f, 1e-3f)) {
            worst = Math.max(worst, Math.abs(MathFunctions.erf(x) - erfExact(x)));
        }
        assertTrue(worst < 2e-7, "max |erf error| = " + worst);
    }

    @Test
    void geluMatchesScalarGelu() {
        float[] x = grid(-12f, 12f, 1e-3f);
        float[] y = gelu(x);
        for (int i = 0; i < x.length; i++) {
            double exact = 0.5 * x[i] * (1 + erfExact(x[i] / Math.sqrt(2)));
            // erf error times |x|/2, plus one rounding of the result
            double tol = 2e-7 * (1 + Math.abs(x[i])) + Math.ulp((float) Math.abs(exact));
            assertEquals(exact, y[i], tol, "gelu(" + x[i] + ")");
            assertEquals(MathFunctions.gelu(x[i]), y[i], tol + 2e-7 * (1 + Math.abs(x[i])), "vs scalar at " + x[i]);
        }
        // Repeated to 33 values: whole vectors and a partial last one at any vector width.
        float[] edges = {0f, Float.MAX_VALUE, -Float.MAX_VALUE, -1e30f};
        float[] in = new float[33];
        for (int i = 0; i < in.length; i++) {
            in[i] = edges[i % edges.length];
        }
        float[] special = gelu(in);
        for (int i = 0; i < in.length; i++) {
            float want = i % edges.length == 1 ? Float.MAX_VALUE : 0f;
            assertEquals(want, special[i], 0f, "gelu(" + in[i] + ") at " + i);
        }
    }

    @Test
    void expIsWithinFewUlps() {
        float[] x = grid(-87f, 88f, 3e-3f);
        float[] y = exp(x);
        double worst = 0;
        for (int i = 0; i < x.length; i++) {
            double e = Math.exp(x[i]);
            worst = Math.max(worst, Math.abs(y[i] - e) / e);
        }
        assertTrue(worst < 4e-7, "max relative exp error = " + worst);
        float[] edge = exp(new float[] {0f, -100f, Float.NEGATIVE_INFINITY, -87.5f, 1f});
        assertEquals(1f, edge[0]);
        for (int i = 1; i <= 3; i++) {
            // Flushed to about the smallest normal float: no denormals, no NaN from -Inf.
            assertTrue(edge[i] >= Float.MIN_NORMAL && edge[i] < 1.2e-38f, "exp at edge " + i + " = " + edge[i]);
        }
        assertEquals((float) Math.E, edge[4], 2e-7f * (float) Math.E);
        // Above ln(MAX_VALUE) the clamp saturates to a large finite value (no Inf); NaN passes through.
        // 33 values: whole vectors and a partial last one at any vector width up to 512 bits.
        float[] in = new float[33];
        for (int i = 0; i < in.length; i++) {
            in[i] = i % 3 == 0 ? 100f : i % 3 == 1 ? Float.POSITIVE_INFINITY : Float.NaN;
        }
        float[] high = exp(in);
        for (int i = 0; i < in.length; i++) {
            if (Float.isNaN(in[i])) {
                assertTrue(Float.isNaN(high[i]), "exp(NaN) at " + i + " = " + high[i]);
            } else {
                assertTrue(Float.isFinite(high[i]) && high[i] > 1e38f, "exp(" + in[i] + ") at " + i + " = " + high[i]);
            }
        }
    }

    @Test
    void geluAddsBiasAndLeavesNeighboursAlone() {
        float[] x = grid(-3f, 3f, 0.37f);
        float[] bias = grid(0.5f, 2f, 0.09f);
        float[] row = new float[x.length + 4];
        System.arraycopy(x, 0, row, 2, x.length);
        row[0] = row[1] = row[row.length - 2] = row[row.length - 1] = 42f;
        VectorMath.gelu(row, 2, x.length, bias, 0);
        for (int i = 0; i < x.length; i++) {
            float v = x[i] + bias[i];
            assertEquals(MathFunctions.gelu(v), row[i + 2], 1e-6f * (1 + Math.abs(v)), "gelu(x + b) at " + i);
        }
        assertEquals(42f, row[0]);
        assertEquals(42f, row[1]);
        assertEquals(42f, row[row.length - 2]);
        assertEquals(42f, row[row.length - 1]);
    }

    @Test
    void geluOnATileTouchesOnlyItsRows() {
        int rows = 3, len = 21, ld = 40, off = 5;
        float[] bias = grid(-1f, 1f, 0.1f);
        float[] x = grid(-4f, 4f, 8f / (off + rows * ld));
        float[] y = x.clone();
        VectorMath.gelu(y, off, ld, rows, len, bias, 0);
        for (int i = 0; i < x.length; i++) {
            int r = (i - off) / ld, j = (i - off) % ld;
            if (i >= off && r < rows && j < len) {
                float v = x[i] + bias[j];
                assertEquals(MathFunctions.gelu(v), y[i], 1e-6f * (1 + Math.abs(v)), "row " + r + " col " + j);
            } else {
                assertEquals(x[i], y[i], "outside the tile at " + i);
            }
        }
    }

    @Test
    void expScaledHandlesWholeVectorsTailAndPaddingAtEveryLength() {
        java.util.Random random = new java.util.Random(7);
        for (int n = 1; n <= 70; n++) {
            int len = n + random.nextInt(20);
            float[] s = new float[len];
            for (int j = 0; j < len; j++) {
                s[j] = (float) (random.nextGaussian() * 4);
            }
            float max = Float.NEGATIVE_INFINITY;
            for (int j = 0; j < n; j++) {
                max = Math.max(max, s[j]);
            }
            float scale = 0.17f;
            float[] p = s.clone();
            float sum = VectorMath.expScaled(p, 0, len, n, scale, -max * scale);
            double expected = 0;
            for (int j = 0; j < n; j++) {
                double e = Math.exp(scale * s[j] - max * scale);
                expected += e;
                assertEquals(e, p[j], 4e-7 * e, "n " + n + " at " + j);
            }
            for (int j = n; j < len; j++) {
                assertEquals(0f, p[j], "n " + n + " padding at " + j);
            }
            assertEquals(expected, sum, 1e-6 * expected, "sum at n " + n);
        }
    }

    @Test
    void expScaledIsTheSoftmaxNumeratorWithZeroPadding() {
        float[] s = {3f, -1f, 0.5f, 2f, 7f, -4f, 1f, 0f, 9f, 9f, 9f};
        int n = 8;
        float scale = 0.25f;
        float shift = -7f * scale;
        float[] p = s.clone();
        float sum = VectorMath.expScaled(p, 0, s.length, n, scale, shift);
        double expected = 0;
        for (int j = 0; j < n; j++) {
            double e = Math.exp(scale * s[j] + shift);
            expected += e;
            assertEquals(e, p[j], 1e-6 * e, "e at " + j);
        }
        for (int j = n; j < s.length; j++) {
            assertEquals(0f, p[j], "padding at " + j);
        }
        assertEquals(expected, sum, 1e-6 * expected);
    }
}
