package ffnkit.model;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

class LayerNormTest {

    /**
     * LN in double precision of the float sum x + residual (the residual add is a float op in the
     * model too, as in ONNX's Add node before LayerNormalization).
     */
    static double[] reference(float[] xIn, float[] res, int rows, float[] g, float[] b, float eps) {
        int d = g.length;
        float[] x = xIn.clone();
        if (res != null) {
            for (int i = 0; i < x.length; i++) {
                x[i] += res[i];
            }
            res = null;
        }
        double[] out = new double[rows * d];
        for (int r = 0; r < rows; r++) {
            double mean = 0;
            for (int i = 0; i < d; i++) {
                mean += x[r * d + i] + (res == null ? 0.0 : res[r * d + i]);
            }
            mean /= d;
            double var = 0;
            for (int i = 0; i < d; i++) {
                double c = x[r * d + i] + (res == null ? 0.0 : res[r * d + i]) - mean;
                var += c * c;
            }
            var /= d;
            for (int i = 0; i < d; i++) {
                double v = x[r * d + i] + (res == null ? 0.0 : res[r * d + i]);
                out[r * d + i] = (v - mean) / Math.sqrt(var + eps) * g[i] + b[i];
            }
        }
        return out;
    }

    @Test
    void matchesDoubleReference() {
        Random rnd = new Random(9);
        for (int d : new int[] {1, 5, 17, 384, 385}) {
            for (int rows : new int[] {1, 3, 200}) {
                for (boolean withResidual : new boolean[] {false, true}) {
                    // An offset mean of 30 with unit spread: catches precision loss from cancellation.
                    float[] x = new float[rows * d];
                    float[] res = withResidual ? new float[rows * d] : null;
                    for (int i = 0; i < x.length; i++) {
                        x[i] = 30f + (float) rnd.nextGaussian();
                        if (res != null) {
                            res[i] = (float) rnd.nextGaussian();
                        }
                    }
                    float[] g = new float[d];
                    float[] b = new float[d];
                    for (int i = 0; i < d; i++) {
                        g[i] = 0.5f + rnd.nextFloat();
                        b[i] = rnd.nextFloat() - 0.5f;
                    }
                    float eps = 1e-12f;
                    double[] expected = reference(x, res, rows, g, b, eps);
                    float[] out = new float[rows * d];
                    new LayerNorm(g, b, eps).apply(x, res, rows, out);
                    // Normalised values are O(1)-O(3); float rounding of the inputs' offset (ulp(30) =
                    // 1.9e-6, relative to a unit spread) bounds the error at a few 1e-6.
                    for (int i = 0; i < out.length; i++) {
                        assertEquals(expected[i], out[i], d == 1 ? 1e-6 : 1e-5, "d=" + d + " rows=" + rows + " i=" + i);
                    }
                    // In place (out aliases x) gives the same.
                    float[] inPlace = x.clone();
                    new LayerNorm(g, b, eps).apply(inPlace, res, rows, inPlace);
                    org.junit.jupiter.api.Assertions.assertArrayEquals(out, inPlace);
                }
            }
        }
    }
}
