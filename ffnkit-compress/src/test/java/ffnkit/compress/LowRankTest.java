package ffnkit.compress;

import ffnkit.kernels.Activation;
import ffnkit.kernels.GemmReference;
import ffnkit.model.LowRankLinear;
import ffnkit.model.QuantizedLinear;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LowRankTest {

    /** Inputs with a strongly anisotropic covariance and a non-zero mean, as LayerNorm outputs have. */
    static float[] inputs(Random r, int n, int d) {
        float[] mix = new float[d * d];
        for (int i = 0; i < mix.length; i++) {
            mix[i] = (float) r.nextGaussian() / (float) Math.sqrt(d);
        }
        float[] x = new float[n * d];
        for (int t = 0; t < n; t++) {
            for (int j = 0; j < d; j++) {
                double v = 0.5 + (j % 5 == 0 ? 3 : 0.2) * r.nextGaussian(); // a few loud channels
                for (int k = 0; k < d; k++) {
                    x[t * d + k] += (float) (v * mix[j * d + k]) * (k % 7 == 0 ? 4 : 1);
                }
            }
        }
        return x;
    }

    static Gram gram(float[] x, int n, int d) {
        double[] g = new double[d * d];
        double[] s = new double[d];
        for (int t = 0; t < n; t++) {
            for (int i = 0; i < d; i++) {
                s[i] += x[t * d + i];
                for (int j = 0; j < d; j++) {
                    g[i * d + j] += (double) x[t * d + i] * x[t * d + j];
                }
            }
        }
        return new Gram(d, n, g, s);
    }

    static float[] weights(Random r, int in, int out) {
        float[] w = new float[in * out];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) r.nextGaussian();
        }
        return w;
    }

    /** ||X·W + b − layer(X)||²_F, computed by running the layer. */
    static double outputError(float[] x, int n, int in, float[] w, int out, float[] bias, ffnkit.model.Linear layer) {
        float[] want = new float[n * out];
        float[] got = new float[n * out];
        GemmReference.matmul(x, n, in, w, out, bias, Activation.NONE, null, want);
        layer.forward(x, n, got);
        double e = 0;
        for (int i = 0; i < want.length; i++) {
            e += (want[i] - got[i]) * (want[i] - got[i]);
        }
        return e;
    }

    @Test
    void whitenedBeatsPlainSvdOnTheCalibrationObjective() {
        Random r = new Random(7);
        int n = 600;
        int in = 48;
        int out = 40;
        float[] x = inputs(r, n, in);
        Gram g = gram(x, n, in);
        float[] w = weights(r, in, out);
        float[] bias = weights(r, 1, out);
        for (int rank : new int[] {2, 6, 12}) {
            LowRankLinear plain = LowRank.plain(w, in, out, bias, rank);
            LowRankLinear white = LowRank.whitened(w, in, out, bias, rank, g, 1e-6, false);
            LowRankLinear centred = LowRank.whitened(w, in, out, bias, rank, g, 1e-6, true);
            double ep = outputError(x, n, in, w, out, bias, plain);
            double ew = outputError(x, n, in, w, out, bias, white);
            double ec = outputError(x, n, in, w, out, bias, centred);
            assertTrue(ew < 0.8 * ep, "rank " + rank + ": whitened " + ew + " vs plain " + ep);
            // centring plus the bias correction can only help on the data it was fit to
            assertTrue(ec <= ew * 1.0001, "rank " + rank + ": centred " + ec + " vs uncentred " + ew);
            assertEquals(rank, white.rank());
        }
    }

    @Test
    void fullRankIsExactAndPlainSvdMeetsEckartYoung() {
        Random r = new Random(8);
        int in = 20;
        int out = 12;
        float[] w = weights(r, in, out);
        float[] x = inputs(r, 100, in);
        LowRankLinear full = LowRank.whitened(w, in, out, null, 12, gram(x, 100, in), 1e-9, true);
        assertTrue(outputError(x, 100, in, w, out, null, full) < 1e-6 * 100 * out);
        // plain SVD error in Frobenius norm of the weights equals the sum of the dropped σ²
        Matrices.Factors f = Matrices.truncatedSvd(Matrices.of(w, in, out), 12);
        double tail = 0;
        for (int i = 5; i < 12; i++) {
            tail += f.singularValues()[i] * f.singularValues()[i];
        }
        LowRankLinear five = LowRank.plain(w, in, out, null, 5);
        float[] id = new float[in * in];
        for (int i = 0; i < in; i++) {
            id[i * in + i] = 1;
        }
        assertEquals(tail, outputError(id, in, in, w, out, null, five), 1e-3 * tail);
    }

    @Test
    void gramOutputErrorIsTheTrace() {
        Random r = new Random(9);
        int n = 50;
        int in = 17;
        int out = 9;
        float[] x = inputs(r, n, in);
        float[] delta = weights(r, in, out);
        float[] xd = new float[n * out];
        GemmReference.matmul(x, n, in, delta, out, null, Activation.NONE, null, xd);
        double direct = 0;
        for (float v : xd) {
            direct += v * v;
        }
        assertEquals(direct / n, gram(x, n, in).outputError(delta, out), 1e-4 * direct / n);
    }

    @Test
    void awqNeverLosesToRtnOnItsObjectiveAndUsesInputScales() {
        Random r = new Random(10);
        int n = 400;
        int in = 64;
        int out = 32;
        float[] x = inputs(r, n, in);
        Gram g = gram(x, n, in);
        float[] w = weights(r, in, out);
        Awq.Result res = Awq.quantize(w, in, out, null, 3, 32, g);
        assertTrue(res.error() <= res.rtnError(), res.error() + " vs " + res.rtnError());
        double rtn = outputError(x, n, in, w, out, null, Rtn.layer(w, in, out, null, 3, 32, null));
        double awq = outputError(x, n, in, w, out, null, res.layer());
        assertEquals(res.rtnError() * n, rtn, 1e-3 * rtn);
        assertEquals(res.error() * n, awq, 1e-3 * awq);
        assertTrue(res.alpha() > 0, "loud channels should get a positive alpha on this data");
        QuantizedLinear q = res.layer();
        assertTrue(q.inputScales() != null);
    }
}
