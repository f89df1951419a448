package ffnkit.compress;

import ffnkit.kernels.MathFunctions;
import ffnkit.model.DenseLinear;
import ffnkit.model.Linear;
import ffnkit.model.LowRankLinear;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LightErrorTest {

    static final int N = 400;
    static final int D = 12;
    static final int M = 20;

    /** Dense W' and b' of a low-rank layer, from its factors (not from probing it as LightError does). */
    static double[][] dense(LowRankLinear l, int in, int out) {
        DenseLinear a = (DenseLinear) l.a();
        DenseLinear b = (DenseLinear) l.b();
        float[] fa = a.weight().toRowMajor();
        float[] fb = b.weight().toRowMajor();
        int r = l.rank();
        double[][] w = new double[in + 1][out];
        for (int i = 0; i < in; i++) {
            for (int k = 0; k < r; k++) {
                for (int j = 0; j < out; j++) {
                    w[i][j] += (double) fa[i * r + k] * fb[k * out + j];
                }
            }
        }
        for (int j = 0; j < out; j++) {
            w[in][j] = b.bias() == null ? 0 : b.bias()[j];
        }
        return w;
    }

    static float[] activations(float[] x, float[] u, float[] b1) {
        float[] h = new float[N * M];
        for (int t = 0; t < N; t++) {
            for (int j = 0; j < M; j++) {
                double z = b1[j];
                for (int k = 0; k < D; k++) {
                    z += (double) x[t * D + k] * u[k * M + j];
                }
                h[t * M + j] = MathFunctions.gelu((float) z);
            }
        }
        return h;
    }

    @Test
    void scoresAreEachNeuronsShareOfTheErrorOnTheCalibrationTokens() {
        Random r = new Random(11);
        float[] x = LowRankTest.inputs(r, N, D);
        float[] u = LowRankTest.weights(r, D, M);
        float[] b1 = LowRankTest.weights(r, 1, M);
        float[] v = LowRankTest.weights(r, M, D);
        float[] b2 = LowRankTest.weights(r, 1, D);
        float[] h = activations(x, u, b1);
        Gram gx = LowRankTest.gram(x, N, D);
        Gram gh = LowRankTest.gram(h, N, M);
        int rank = 4;
        LowRankLinear up = LowRank.whitened(u, D, M, b1, rank, gx, 1e-4, true);
        LowRankLinear down = LowRank.whitened(v, M, D, b2, rank, gh, 1e-4, true);
        double[] got = LightError.scores(u, b1, v, b2, up, down, gx, gh);

        // Reference: the errors token by token, from the factors' product.
        double[][] wu = dense(up, D, M);
        double[][] wv = dense(down, M, D);
        double[][] e = new double[N][D]; // output error of the down-projection, e_t = h_t·ΔV + Δb2
        for (int t = 0; t < N; t++) {
            for (int c = 0; c < D; c++) {
                double s = b2[c] - wv[M][c];
                for (int k = 0; k < M; k++) {
                    s += h[t * M + k] * (v[k * D + c] - wv[k][c]);
                }
                e[t][c] = s;
            }
        }
        double max = 0;
        double[] want = new double[M];
        for (int j = 0; j < M; j++) {
            double upErr = 0;
            for (int t = 0; t < N; t++) {
                double z = b1[j] - wu[D][j];
                for (int k = 0; k < D; k++) {
                    z += x[t * D + k] * (u[k * M + j] - wu[k][j]);
                }
                upErr += z * z;
            }
            double vNorm2 = 0;
            for (int c = 0; c < D; c++) {
                vNorm2 += (double) v[j * D + c] * v[j * D + c];
            }
            double share = 0;
            for (int t = 0; t < N; t++) {
                for (int c = 0; c < D; c++) {
                    share += h[t * M + j] * (v[j * D + c] - wv[j][c]) * e[t][c];
                }
            }
            want[j] = Math.sqrt(upErr * vNorm2 + Math.max(0, share));
            max = Math.max(max, want[j]);
        }
        for (int j = 0; j < M; j++) {
            // float weights probed through the float kernels vs the factors' product in double
            assertEquals(want[j], got[j], 1e-4 * max, "neuron " + j);
        }
    }

    @Test
    void theNeuronTheLowRankCannotRepresentScoresHighestThoughItIsQuiet() {
        Random r = new Random(5);
        float[] x = LowRankTest.inputs(r, N, D);
        // Every column of U in a 3-dimensional span except neuron 7's, which is random and small.
        float[] basis = LowRankTest.weights(r, D, 3);
        float[] mix = LowRankTest.weights(r, 3, M);
        float[] u = new float[D * M];
        for (int k = 0; k < D; k++) {
            for (int j = 0; j < M; j++) {
                for (int q = 0; q < 3; q++) {
                    u[k * M + j] += basis[k * 3 + q] * mix[q * M + j];
                }
            }
        }
        for (int k = 0; k < D; k++) {
            u[k * M + 7] = 0.3f * (float) r.nextGaussian();
        }
        float[] b1 = new float[M];
        float[] v = LowRankTest.weights(r, M, D);
        float[] h = activations(x, u, b1);
        Gram gx = LowRankTest.gram(x, N, D);
        Gram gh = LowRankTest.gram(h, N, M);
        Linear up = LowRank.whitened(u, D, M, b1, 3, gx, 1e-4, true);
        // down-projection kept exact, so only the up-projection's error counts
        Linear down = new DenseLinear(v, M, D, null);
        double[] s = LightError.scores(u, b1, v, null, up, down, gx, gh);
        int[] byLightError = HeavyHitters.ranking(s);
        assertEquals(7, byLightError[0], "largest light error");
        for (int j = 0; j < M; j++) {
            if (j != 7) {
                assertTrue(s[j] < 0.25 * s[7], "neuron " + j + " lies in the span: " + s[j] + " vs " + s[7]);
            }
        }
        // ... while the output-norm score (||h_j||·||V_j||) does not put it first
        double[] outputNorm = new double[M];
        for (int j = 0; j < M; j++) {
            double hn = 0;
            double vn = 0;
            for (int t = 0; t < N; t++) {
                hn += (double) h[t * M + j] * h[t * M + j];
            }
            for (int c = 0; c < D; c++) {
                vn += (double) v[j * D + c] * v[j * D + c];
            }
            outputNorm[j] = Math.sqrt(hn * vn);
        }
        assertTrue(HeavyHitters.ranking(outputNorm)[0] != 7, "the planted neuron is quiet");
    }
}
