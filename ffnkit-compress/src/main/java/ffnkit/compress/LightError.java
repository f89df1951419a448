package ffnkit.compress;

import ffnkit.model.Linear;

import java.util.Arrays;

/**
 * Heavy hitters chosen by the light method's own error ({@code --importance light-error}).
 *
 * <p>FFSplit keeps exact the neurons with the largest output, ||h_j||·||V_j||, on the grounds
 * that their errors cost the most. A data-aware light method (whitened low rank, AWQ) already
 * spends its budget on those neurons, so protecting them buys little. Here a neuron's score is
 * instead its share of the output error that the light method makes when it compresses the whole
 * FFN, i.e. what keeping the neuron exact would save:
 *
 * <pre>
 *   score_j² = ||X·ΔU_j + Δb1_j||² · ||V_j||²          (error of its pre-activation, carried by V_j)
 *            + Σ_n ΔV_jn·((G_h·ΔV)_jn + s_j·Δb2_n)      (its row's share of ||H·ΔV + Δb2||²)
 * </pre>
 *
 * with ΔU = U − U', ΔV = V − V', Δb = b − b' the light method's errors (the bias changes too:
 * whitened low rank moves the mean error into it), G_h = HᵀH and s = Σ_tokens h over the
 * calibration tokens. The shares of the second term sum to the whole down-projection error when
 * the bias absorbs the mean error (the cross terms cancel), and the first ignores the slope of
 * the activation. Everything comes from the Gram matrices: no activation is stored.
 */
final class LightError {

    private LightError() {
    }

    /**
     * Scores of the m neurons of one FFN.
     *
     * @param u           the original up-projection [d x m], row-major, with bias b1
     * @param v           the original down-projection [m x d], row-major, with bias b2
     * @param up          the light method applied to the whole up-projection
     * @param down        the light method applied to the whole down-projection
     * @param input       the FFN input's Gram over the calibration tokens
     * @param activations the Gram of all m activations
     */
    static double[] scores(float[] u, float[] b1, float[] v, float[] b2, Linear up, Linear down, Gram input,
                           Gram activations) {
        int d = input.dim();
        int m = activations.dim();
        double[] du = weightError(u, b1, up);
        double[] dv = weightError(v, b2, down);
        double[] xSum = input.sum();
        double[] gx = input.gram();
        double n = input.tokens();
        double[] score = new double[m];
        // Up: Σ_t (x_t·ΔU_j + Δb1_j)² = ΔU_jᵀ·G_x·ΔU_j + 2·Δb1_j·(s_x·ΔU_j) + n·Δb1_j².
        for (int j = 0; j < m; j++) {
            double quad = 0;
            double lin = 0;
            for (int a = 0; a < d; a++) {
                double ea = du[a * m + j];
                if (ea == 0) {
                    continue;
                }
                double row = 0;
                for (int b = 0; b < d; b++) {
                    row += gx[a * d + b] * du[b * m + j];
                }
                quad += ea * row;
                lin += xSum[a] * ea;
            }
            double db = du[d * m + j];
            double vNorm2 = 0;
            for (int c = 0; c < d; c++) {
                vNorm2 += (double) v[j * d + c] * v[j * d + c];
            }
            score[j] = Math.max(0, quad + 2 * db * lin + n * db * db) * vNorm2;
        }
        // Down: Σ_n ΔV_jn·((G_h·ΔV)_jn + s_j·Δb2_n).
        double[] gh = activations.gram();
        double[] hSum = activations.sum();
        double[] row = new double[d];
        for (int j = 0; j < m; j++) {
            Arrays.fill(row, 0);
            for (int k = 0; k < m; k++) {
                double g = gh[j * m + k];
                for (int c = 0; c < d; c++) {
                    row[c] += g * dv[k * d + c];
                }
            }
            double share = 0;
            for (int c = 0; c < d; c++) {
                share += dv[j * d + c] * (row[c] + hSum[j] * dv[m * d + c]);
            }
            score[j] += Math.max(0, share);
        }
        for (int j = 0; j < m; j++) {
            score[j] = Math.sqrt(score[j]);
        }
        return score;
    }

    /**
     * [in + 1 x out]: rows 0..in-1 are W − W' and the last row b − b', where the compressed layer's
     * W' and b' are read off its outputs for the unit vectors and for zero.
     */
    static double[] weightError(float[] w, float[] bias, Linear layer) {
        int in = layer.inputDim();
        int out = layer.outputDim();
        float[] probe = new float[(in + 1) * in];
        for (int k = 0; k < in; k++) {
            probe[k * in + k] = 1;
        }
        float[] y = new float[(in + 1) * out];
        layer.forward(probe, in + 1, y);
        double[] e = new double[(in + 1) * out];
        for (int c = 0; c < out; c++) {
            double b0 = y[in * out + c];
            for (int k = 0; k < in; k++) {
                e[k * out + c] = w[k * out + c] - (y[k * out + c] - b0);
            }
            e[in * out + c] = (bias == null ? 0 : bias[c]) - b0;
        }
        return e;
    }
}
