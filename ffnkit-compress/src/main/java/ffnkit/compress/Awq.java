package ffnkit.compress;

import ffnkit.model.QuantizedLinear;

/**
 * AWQ (activation-aware weight quantisation): protect the weights of salient input channels by
 * scaling them up before RTN and dividing the input by the same factor. Per input channel
 * s = x̄^α with x̄ the channel's activation magnitude, normalised by √(max·min); α is searched over
 * {0, 0.05, ..., 0.95} to minimise the layer's output error on calibration data.
 *
 * <p>Two departures from the reference implementation, both documented in the report:
 * <ul>
 *   <li>x̄ is the channel's RMS √(G_kk/n) from the calibration Gram, not mean |x| (no extra pass).</li>
 *   <li>The output error is evaluated exactly from the Gram, ||X·ΔW||² = tr(ΔWᵀ·G·ΔW), instead of
 *       on a stored sample of activations.</li>
 *   <li>1/s is NOT folded into the preceding LayerNorm: in a post-LN BERT that LayerNorm's output is
 *       also the residual and feeds the heavy part, so folding would change them. It stays as a
 *       per-input-channel scale inside {@link QuantizedLinear} (for fc2 this is the "scaled GELU").</li>
 * </ul>
 */
public final class Awq {

    /** The chosen layer and the search's trace. */
    public record Result(QuantizedLinear layer, double alpha, double error, double rtnError) {
    }

    private Awq() {
    }

    public static Result quantize(float[] w, int in, int out, float[] bias, int bits, int groupSize, Gram stats) {
        double[] mag = new double[in];
        for (int k = 0; k < in; k++) {
            mag[k] = Math.sqrt(Math.max(stats.gram()[k * in + k], 0) / Math.max(1, stats.tokens()));
            mag[k] = Math.max(mag[k], 1e-8);
        }
        Result best = null;
        double rtnError = Double.NaN;
        for (int step = 0; step < 20; step++) {
            double alpha = step * 0.05;
            float[] s = new float[in];
            double max = 0;
            double min = Double.POSITIVE_INFINITY;
            for (int k = 0; k < in; k++) {
                double v = Math.max(Math.pow(mag[k], alpha), 1e-4);
                s[k] = (float) v;
                max = Math.max(max, v);
                min = Math.min(min, v);
            }
            double norm = Math.sqrt(max * min);
            float[] scaled = new float[in * out];
            for (int k = 0; k < in; k++) {
                s[k] = (float) (s[k] / norm);
                for (int n = 0; n < out; n++) {
                    scaled[k * out + n] = w[k * out + n] * s[k];
                }
            }
            QuantizedLinear q = Rtn.layer(scaled, in, out, bias, bits, groupSize, step == 0 ? null : s);
            float[] delta = q.dequantize();
            for (int i = 0; i < delta.length; i++) {
                delta[i] -= w[i];
            }
            double err = stats.outputError(delta, out);
            if (step == 0) {
                rtnError = err;
            }
            if (best == null || err < best.error()) {
                best = new Result(q, alpha, err, rtnError);
            }
        }
        return new Result(best.layer(), best.alpha(), best.error(), rtnError);
    }
}
