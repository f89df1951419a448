package ffnkit.compress;

import ffnkit.model.DenseLinear;
import ffnkit.model.Linear;
import ffnkit.model.LowRankLinear;
import ffnkit.model.QuantizedLinear;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The compensation against least squares solved token by token on the activations themselves. */
class HeavyCompensationTest {

    static final int N = 400;
    static final int D = 12;
    static final int M = 20;
    static final int[] HEAVY = {3, 7, 11, 15, 19};
    static final int[] LIGHT = HeavyHitters.complement(HEAVY, M);

    /** GELU activations of a random FFN: M > D neurons of a D-dimensional input, so they are correlated. */
    static final float[] H;
    static final float[] V;
    static final float[] B2;

    static {
        Random r = new Random(5);
        float[] x = LowRankTest.inputs(r, N, D);
        float[] u = LowRankTest.weights(r, D, M);
        float[] b1 = LowRankTest.weights(r, 1, M);
        H = LightErrorTest.activations(x, u, b1);
        V = LowRankTest.weights(r, M, D);
        B2 = LowRankTest.weights(r, 1, D);
    }

    /** The statistics calibration collects, from the activations (only the activation moments are read). */
    static LayerStatistics stats() {
        Gram g = LowRankTest.gram(H, N, M);
        return new LayerStatistics(D, M, N, 0.1, new double[M], new double[2][M], new long[M], new float[M],
                new float[M], new double[D * D], new double[D], g.gram(), g.sum());
    }

    static float[] rows(float[] w, int[] idx) {
        float[] out = new float[idx.length * D];
        for (int i = 0; i < idx.length; i++) {
            System.arraycopy(w, idx[i] * D, out, i * D, D);
        }
        return out;
    }

    /** y_t for every token: h_H,t·V_H + h_L,t·(light layer) (the light layer adds the bias). */
    static double[][] outputs(float[] heavyRows, Linear light) {
        float[] hl = new float[N * LIGHT.length];
        for (int t = 0; t < N; t++) {
            for (int i = 0; i < LIGHT.length; i++) {
                hl[t * LIGHT.length + i] = H[t * M + LIGHT[i]];
            }
        }
        float[] yl = new float[N * D];
        light.forward(hl, N, yl);
        double[][] y = new double[N][D];
        for (int t = 0; t < N; t++) {
            for (int c = 0; c < D; c++) {
                double s = yl[t * D + c];
                for (int j = 0; j < HEAVY.length; j++) {
                    s += (double) H[t * M + HEAVY[j]] * heavyRows[j * D + c];
                }
                y[t][c] = s;
            }
        }
        return y;
    }

    /** [h_H,t 1] for every token: the regressors of the least-squares references. */
    static DMatrixRMaj heavyDesign() {
        DMatrixRMaj a = new DMatrixRMaj(N, HEAVY.length + 1);
        for (int t = 0; t < N; t++) {
            for (int j = 0; j < HEAVY.length; j++) {
                a.set(t, j, H[t * M + HEAVY[j]]);
            }
            a.set(t, HEAVY.length, 1);
        }
        return a;
    }

    static double meanSquaredDistance(double[][] a, double[][] b) {
        double s = 0;
        for (int t = 0; t < N; t++) {
            for (int c = 0; c < D; c++) {
                s += (a[t][c] - b[t][c]) * (a[t][c] - b[t][c]);
            }
        }
        return s / N;
    }

    @Test
    void heavyRowsAndBiasAreTheLeastSquaresFitOfTheLightError() {
        float[] vh = rows(V, HEAVY);
        float[] vl = rows(V, LIGHT);
        Linear light = LowRank.whitened(vl, LIGHT.length, D, B2, 3, Gram.activations(stats(), LIGHT), 1e-6, true);
        HeavyCompensation.Result c = HeavyCompensation.solve(stats(), HEAVY, LIGHT, vh, vl, light, B2, 1e-9);

        double[][] original = outputs(vh, new DenseLinear(vl, LIGHT.length, D, B2));
        double[][] compensated = outputs(c.heavyRows(), c.light());
        // Reference: the best heavy rows and bias for this light layer, min over (Δ, β) of
        // Σ_t ||[h_H,t 1]·[Δ; β] − (y_t − y'_t)||², solved on the tokens themselves.
        double[][] uncompensated = outputs(vh, light);
        DMatrixRMaj a = heavyDesign();
        DMatrixRMaj target = new DMatrixRMaj(N, D);
        for (int t = 0; t < N; t++) {
            for (int col = 0; col < D; col++) {
                target.set(t, col, original[t][col] - uncompensated[t][col]);
            }
        }
        DMatrixRMaj fit = new DMatrixRMaj(HEAVY.length + 1, D);
        assertTrue(CommonOps_DDRM.solve(a, target, fit));
        for (int j = 0; j < HEAVY.length; j++) {
            for (int col = 0; col < D; col++) {
                assertEquals(vh[j * D + col] + fit.get(j, col), c.heavyRows()[j * D + col], 1e-4, "row " + j + " col " + col);
            }
        }
        double[][] refOut = new double[N][D];
        for (int t = 0; t < N; t++) {
            for (int col = 0; col < D; col++) {
                double s = uncompensated[t][col];
                for (int j = 0; j <= HEAVY.length; j++) {
                    s += a.get(t, j) * fit.get(j, col);
                }
                refOut[t][col] = s;
            }
        }
        double best = meanSquaredDistance(original, refOut);
        double after = meanSquaredDistance(original, compensated);
        assertEquals(best, after, 1e-5 * best, "the error left is the least-squares optimum");
        assertEquals(after, c.errorAfter(), 1e-4 * after, "reported error after");
        double centredBefore = centredError(original, uncompensated);
        assertEquals(centredBefore, c.errorBefore(), 1e-4 * centredBefore, "reported error before");
        assertTrue(after < 0.9 * centredBefore, "compensation removes a real share of the error: " + centredBefore + " -> " + after);
    }

    /** The mean over tokens of ||e_t − ē||² (the error the bias cannot remove). */
    static double centredError(double[][] want, double[][] got) {
        double[] mean = new double[D];
        for (int t = 0; t < N; t++) {
            for (int c = 0; c < D; c++) {
                mean[c] += (want[t][c] - got[t][c]) / N;
            }
        }
        double s = 0;
        for (int t = 0; t < N; t++) {
            for (int c = 0; c < D; c++) {
                double e = want[t][c] - got[t][c] - mean[c];
                s += e * e;
            }
        }
        return s / N;
    }

    @Test
    void anExactLightPartMovesNothing() {
        float[] vh = rows(V, HEAVY);
        float[] vl = rows(V, LIGHT);
        HeavyCompensation.Result c = HeavyCompensation.solve(stats(), HEAVY, LIGHT, vh, vl,
                new DenseLinear(vl, LIGHT.length, D, B2), B2, 1e-9);
        for (int i = 0; i < vh.length; i++) {
            assertEquals(vh[i], c.heavyRows()[i], 1e-5);
        }
        assertEquals(0, c.errorBefore(), 1e-9);
        double[][] want = outputs(vh, new DenseLinear(vl, LIGHT.length, D, B2));
        assertEquals(0, meanSquaredDistance(want, outputs(c.heavyRows(), c.light())), 1e-9);
    }

    @Test
    void conditionalStatisticsAreTheResidualCovarianceOfTheLightActivations() {
        // Reference: regress h_L on [h_H 1] token by token; the residual's Gram (its mean is zero).
        DMatrixRMaj a = heavyDesign();
        DMatrixRMaj hl = new DMatrixRMaj(N, LIGHT.length);
        for (int t = 0; t < N; t++) {
            for (int i = 0; i < LIGHT.length; i++) {
                hl.set(t, i, H[t * M + LIGHT[i]]);
            }
        }
        DMatrixRMaj beta = new DMatrixRMaj(HEAVY.length + 1, LIGHT.length);
        assertTrue(CommonOps_DDRM.solve(a, hl, beta));
        DMatrixRMaj residual = hl.copy();
        DMatrixRMaj predicted = new DMatrixRMaj(N, LIGHT.length);
        CommonOps_DDRM.mult(a, beta, predicted);
        CommonOps_DDRM.subtractEquals(residual, predicted);
        DMatrixRMaj want = new DMatrixRMaj(LIGHT.length, LIGHT.length);
        CommonOps_DDRM.multTransA(residual, residual, want);

        Gram g = HeavyCompensation.conditional(stats(), HEAVY, LIGHT, 1e-12);
        DMatrixRMaj got = g.centred();
        double scale = CommonOps_DDRM.elementMaxAbs(want);
        for (int i = 0; i < LIGHT.length; i++) {
            for (int j = 0; j < LIGHT.length; j++) {
                assertEquals(want.get(i, j), got.get(i, j), 1e-6 * scale, "(" + i + ", " + j + ")");
            }
        }
        double[] mean = g.mean();
        for (int i = 0; i < LIGHT.length; i++) {
            double s = 0;
            for (int t = 0; t < N; t++) {
                s += H[t * M + LIGHT[i]];
            }
            assertEquals(s / N, mean[i], 1e-9);
        }
    }

    @Test
    void biasIsReplacedAndWeightsKeptForEveryLayerKind() {
        Random r = new Random(3);
        float[] w = LowRankTest.weights(r, 16, 8);
        float[] bias = LowRankTest.weights(r, 1, 8);
        float[] other = LowRankTest.weights(r, 1, 8);
        Linear[] layers = {
                new DenseLinear(w, 16, 8, bias),
                LowRank.plain(w, 16, 8, bias, 3),
                Rtn.layer(w, 16, 8, bias, 4, 8, null),
        };
        for (Linear layer : layers) {
            Linear moved = HeavyCompensation.withBias(layer, other);
            assertEquals(layer.getClass(), moved.getClass());
            assertEquals(layer.parameterCount(), moved.parameterCount());
            float[] x = LowRankTest.weights(r, 5, 16);
            float[] y0 = new float[5 * 8];
            float[] y1 = new float[5 * 8];
            layer.forward(x, 5, y0);
            moved.forward(x, 5, y1);
            for (int t = 0; t < 5; t++) {
                for (int c = 0; c < 8; c++) {
                    assertEquals(y0[t * 8 + c] - bias[c] + other[c], y1[t * 8 + c], 1e-5,
                            layer.getClass().getSimpleName() + " (" + t + ", " + c + ")");
                }
            }
        }
        assertTrue(layers[1] instanceof LowRankLinear && layers[2] instanceof QuantizedLinear);
    }
}
