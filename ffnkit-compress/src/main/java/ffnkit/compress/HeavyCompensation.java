package ffnkit.compress;

import ffnkit.model.DenseLinear;
import ffnkit.model.Linear;
import ffnkit.model.LowRankLinear;
import ffnkit.model.QuantizedLinear;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;

/**
 * Moves the light part's down-projection error into the heavy part's exact rows, in closed form
 * from the calibration statistics. What only the split can do: the vanilla method has no exact
 * part to move it to.
 *
 * <pre>
 *   FFN(x) = h_H·V_H + h_L·V_L + b2             h = act(x·U + b1), split into heavy and light neurons
 *   light compressed: V_L' = V_L − E            output error −h_L·E per token
 *   heavy rows moved:  V_H' = V_H + Δ           output error h_H·Δ − h_L·E
 *   min_Δ Σ_tokens ||(h_H − μ_H)·Δ − (h_L − μ_L)·E||²   ⇒   C_HH·Δ = C_HL·E
 *   bias: b' = b2 + μ_L·E − μ_H·Δ               (the mean token's error is zero)
 * </pre>
 * C is the centred Gram of the activations (from calibration). The light activations are strongly
 * correlated with the heavy ones, so Δ removes the part of the error that the heavy activations
 * predict; what is left is the error along the residual (h_L − μ_L) − (h_H − μ_H)·C_HH⁻¹·C_HL,
 * whose covariance is the Schur complement {@link #conditional}. A low-rank light part whitened with
 * that covariance instead of C_LL is the best rank for the compensated split: it spends no rank on
 * what Δ will fix. This is the one-block case of GPTQ's error feedback (the heavy rows are the block
 * quantised last, kept exact).
 */
public final class HeavyCompensation {

    private HeavyCompensation() {
    }

    /**
     * @param heavyRows   V_H + Δ
     * @param light       the compressed light down-projection with the bias b'
     * @param errorBefore the centred output error per token of the light down-projection alone, tr(EᵀC_LL·E)/n
     * @param errorAfter  the same after the heavy rows moved (both on the calibration tokens)
     */
    public record Result(float[] heavyRows, Linear light, double errorBefore, double errorAfter) {
    }

    /**
     * @param stats      the layer's calibration statistics (with the activation Gram)
     * @param heavy      heavy neuron indices, in the order of {@code heavyRows}' rows
     * @param light      light neuron indices, in the order of the light down-projection's inputs
     * @param heavyRows  V_H [heavy x d], the heavy part's original down-projection
     * @param lightRows  V_L [light x d], the light part's original down-projection
     * @param compressed the light part's compressed down-projection (any Linear: low rank, quantised)
     * @param bias       b2 of the original FFN (may be null)
     * @param damping    ridge on C_HH relative to its mean diagonal
     * @return V_H + Δ, and the light layer with the bias b' (no parameter is added when the light layer
     *         already has a bias, as BERT's FFNs do)
     */
    public static Result solve(LayerStatistics stats, int[] heavy, int[] light, float[] heavyRows, float[] lightRows,
                               Linear compressed, float[] bias, double damping) {
        int d = compressed.outputDim();
        int nl = light.length;
        int nh = heavy.length;
        if (compressed.inputDim() != nl || heavyRows.length != nh * d || lightRows.length != nl * d) {
            throw new IllegalArgumentException("shapes do not match: " + nh + " heavy, " + nl + " light rows of width " + d);
        }
        // the compressed layer's effective weights and bias, by probing it with the unit rows and a zero row
        float[] probe = new float[(nl + 1) * nl];
        for (int i = 0; i < nl; i++) {
            probe[i * nl + i] = 1;
        }
        float[] out = new float[(nl + 1) * d];
        compressed.forward(probe, nl + 1, out);
        DMatrixRMaj e = new DMatrixRMaj(nl, d); // E = V_L − V_L'
        for (int i = 0; i < nl; i++) {
            for (int n = 0; n < d; n++) {
                e.set(i, n, (double) lightRows[i * d + n] - (out[i * d + n] - out[nl * d + n]));
            }
        }
        Gram h = Gram.activations(stats, heavy);
        DMatrixRMaj chh = h.centred();
        DMatrixRMaj chl = cross(stats, heavy, light);
        DMatrixRMaj delta = Matrices.solveSpd(damped(chh, damping), Matrices.mult(chl, e));
        double[] muH = h.mean();
        Gram l = Gram.activations(stats, light);
        double[] muL = l.mean();
        float[] rows = heavyRows.clone();
        float[] b = new float[d];
        for (int n = 0; n < d; n++) {
            double s = bias == null ? 0 : bias[n];
            for (int i = 0; i < nl; i++) {
                s += muL[i] * e.get(i, n);
            }
            for (int j = 0; j < nh; j++) {
                s -= muH[j] * delta.get(j, n);
                rows[j * d + n] += (float) delta.get(j, n);
            }
            b[n] = (float) s;
        }
        // the centred output error per token, before and after: tr(EᵀC_LL E) and
        // tr(EᵀC_LL E) − 2·tr(ΔᵀC_HL E) + tr(ΔᵀC_HH Δ)
        double before = trace(e, Matrices.mult(l.centred(), e));
        double after = before - 2 * trace(delta, Matrices.mult(chl, e)) + trace(delta, Matrices.mult(chh, delta));
        long tokens = Math.max(1, stats.tokens());
        return new Result(rows, withBias(compressed, b), before / tokens, after / tokens);
    }

    /** The same layer with another bias (the weights untouched). */
    static Linear withBias(Linear layer, float[] bias) {
        return switch (layer) {
            case DenseLinear dense -> new DenseLinear(dense.weight().toRowMajor(), dense.inputDim(), dense.outputDim(), bias);
            case LowRankLinear lowRank -> new LowRankLinear(lowRank.a(), withBias(lowRank.b(), bias));
            case QuantizedLinear q -> QuantizedLinear.fromPacked(q.packedCodes(), q.inputDim(), q.outputDim(), q.bits(),
                    q.groupSize(), q.scales(), q.zeros(), bias, q.inputScales());
            default -> throw new IllegalArgumentException("cannot set the bias of a " + layer.getClass().getSimpleName());
        };
    }

    /**
     * The light activations' statistics with what the heavy activations predict removed: a Gram whose
     * centred matrix is the Schur complement C_LL − C_LH·C_HH⁻¹·C_HL and whose mean is μ_L. Whitening
     * the light down-projection with it spends the rank on the error the compensation cannot fix.
     */
    public static Gram conditional(LayerStatistics stats, int[] heavy, int[] light, double damping) {
        Gram h = Gram.activations(stats, heavy);
        Gram l = Gram.activations(stats, light);
        DMatrixRMaj chl = cross(stats, heavy, light);
        DMatrixRMaj x = Matrices.solveSpd(damped(h.centred(), damping), chl); // C_HH⁻¹·C_HL
        DMatrixRMaj schur = l.centred();
        DMatrixRMaj predicted = Matrices.multTransA(chl, x);
        CommonOps_DDRM.subtractEquals(schur, predicted);
        // back to an uncentred Gram with the same mean, the form the whitening takes
        double[] mu = l.mean();
        int nl = light.length;
        double[] g = new double[nl * nl];
        for (int i = 0; i < nl; i++) {
            for (int j = 0; j < nl; j++) {
                g[i * nl + j] = 0.5 * (schur.get(i, j) + schur.get(j, i)) + l.tokens() * mu[i] * mu[j];
            }
        }
        return new Gram(nl, l.tokens(), g, l.sum());
    }

    /** The centred cross Gram C_HL = G_HL − n·μ_H·μ_Lᵀ. */
    private static DMatrixRMaj cross(LayerStatistics stats, int[] heavy, int[] light) {
        int m = stats.width();
        double[] g = stats.activationGram();
        double[] sum = stats.activationSum();
        double n = Math.max(1, stats.tokens());
        DMatrixRMaj c = new DMatrixRMaj(heavy.length, light.length);
        for (int j = 0; j < heavy.length; j++) {
            for (int i = 0; i < light.length; i++) {
                c.set(j, i, g[heavy[j] * m + light[i]] - sum[heavy[j]] * sum[light[i]] / n);
            }
        }
        return c;
    }

    private static DMatrixRMaj damped(DMatrixRMaj c, double damping) {
        DMatrixRMaj a = c.copy();
        double mean = 0;
        for (int i = 0; i < a.numRows; i++) {
            mean += a.get(i, i);
        }
        mean = Math.max(mean / Math.max(1, a.numRows), 1e-12);
        for (int i = 0; i < a.numRows; i++) {
            a.add(i, i, damping * mean);
        }
        return a;
    }

    private static double trace(DMatrixRMaj a, DMatrixRMaj b) {
        double t = 0;
        for (int i = 0; i < a.numRows; i++) {
            for (int n = 0; n < a.numCols; n++) {
                t += a.get(i, n) * b.get(i, n);
            }
        }
        return t;
    }
}
