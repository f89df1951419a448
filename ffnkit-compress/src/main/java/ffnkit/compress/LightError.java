package ffnkit.compress;

import ffnkit.model.Linear;
import org.ejml.data.DMatrixRMaj;

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
        WeightError eu = WeightError.of(u, b1, up);
        WeightError ev = WeightError.of(v, b2, down);
        DMatrixRMaj gdu = Matrices.mult(Matrices.of(input.gram(), d, d), eu.w());
        DMatrixRMaj gdv = Matrices.mult(Matrices.of(activations.gram(), m, m), ev.w());
        double[] xSum = input.sum();
        double[] hSum = activations.sum();
        double n = input.tokens();
        double[] score = new double[m];
        for (int j = 0; j < m; j++) {
            // Up: Σ_t (x_t·ΔU_j + Δb1_j)² = ΔU_jᵀ·G_x·ΔU_j + 2·Δb1_j·(s_x·ΔU_j) + n·Δb1_j².
            double quad = 0;
            double lin = 0;
            for (int a = 0; a < d; a++) {
                quad += eu.w().get(a, j) * gdu.get(a, j);
                lin += xSum[a] * eu.w().get(a, j);
            }
            double db = eu.b()[j];
            double vNorm2 = 0;
            for (int c = 0; c < d; c++) {
                vNorm2 += (double) v[j * d + c] * v[j * d + c];
            }
            // Down: Σ_n ΔV_jn·((G_h·ΔV)_jn + s_j·Δb2_n).
            double share = 0;
            for (int c = 0; c < d; c++) {
                share += ev.w().get(j, c) * (gdv.get(j, c) + hSum[j] * ev.b()[c]);
            }
            score[j] = Math.sqrt(Math.max(0, quad + 2 * db * lin + n * db * db) * vNorm2 + Math.max(0, share));
        }
        return score;
    }

    /** W − W' [in x out] and b − b' [out] of a compressed layer. */
    record WeightError(DMatrixRMaj w, double[] b) {

        /** W' and b' are read off the compressed layer's outputs for the unit vectors and for zero. */
        static WeightError of(float[] w, float[] bias, Linear layer) {
            int in = layer.inputDim();
            int out = layer.outputDim();
            float[] probe = new float[(in + 1) * in];
            for (int k = 0; k < in; k++) {
                probe[k * in + k] = 1;
            }
            float[] y = new float[(in + 1) * out];
            layer.forward(probe, in + 1, y);
            DMatrixRMaj e = new DMatrixRMaj(in, out);
            double[] eb = new double[out];
            for (int c = 0; c < out; c++) {
                double b0 = y[in * out + c];
                for (int k = 0; k < in; k++) {
                    e.set(k, c, w[k * out + c] - (y[k * out + c] - b0));
                }
                eb[c] = (bias == null ? 0 : bias[c]) - b0;
            }
            return new WeightError(e, eb);
        }
    }
}
