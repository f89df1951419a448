package ffnkit.compress;

import ffnkit.model.DenseLinear;
import ffnkit.model.LowRankLinear;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;

/**
 * Low-rank factorisation of one layer y = x·W + b, W [in x out], into (x·A)·B.
 *
 * <ul>
 *   <li>{@link #plain}: the best rank-r approximation of W itself (Eckart-Young, truncated SVD): the
 *       FFSplit paper's choice. It treats every input direction as equally important.</li>
 *   <li>{@link #whitened}: the best rank-r W' for the layer's OUTPUTS on calibration data (DRONE,
 *       SVD-LLM): min ||X·W − X·W'||_F. With G = XᵀX = L·Lᵀ (Cholesky), ||X·Δ||² = ||Lᵀ·Δ||², so
 *       Lᵀ·W' = [Lᵀ·W]_r and W' = L⁻ᵀ·[Lᵀ·W]_r (METHODS.md writes the same for the W·x convention
 *       as [W·S]_r·S⁻¹). Centred: the error's mean over the tokens, μ·(W − W'), is a constant
 *       row that the bias absorbs exactly, so we whiten with the centred Gram G − n·μμᵀ (which
 *       spends the rank on the variation the bias cannot fix) and set b' = b + μ·(W − W').</li>
 * </ul>
 * A is [in x r] without bias, B [r x out] carries the bias; √σ goes to each factor.
 */
public final class LowRank {

    private LowRank() {
    }

    /** Full rank of an [in x out] matrix times the fraction (rounded, at least 1), or an absolute rank when >= 1. */
    public static int rank(double rankSpec, int in, int out) {
        int full = Math.min(in, out);
        if (rankSpec <= 0) {
            throw new IllegalArgumentException("rank must be positive, got " + rankSpec);
        }
        int r = rankSpec < 1 ? (int) Math.round(rankSpec * full) : (int) rankSpec;
        return Math.max(1, Math.min(full, r));
    }

    public static LowRankLinear plain(float[] w, int in, int out, float[] bias, int rank) {
        Matrices.Factors f = Matrices.truncatedSvd(Matrices.of(w, in, out), rank);
        return new LowRankLinear(new DenseLinear(Matrices.floats(f.left()), in, f.left().numCols, null),
                new DenseLinear(Matrices.floats(f.right()), f.right().numRows, out, bias));
    }

    /**
     * @param stats   the layer input's Gram over calibration tokens
     * @param damping λ relative to the mean diagonal of the Gram (e.g. 1e-4)
     * @param centred whiten with the centred Gram and absorb the mean error into the bias
     */
    public static LowRankLinear whitened(float[] w, int in, int out, float[] bias, int rank, Gram stats,
                                         double damping, boolean centred) {
        if (stats.dim() != in) {
            throw new IllegalArgumentException("Gram of dimension " + stats.dim() + " for a layer with " + in + " inputs");
        }
        DMatrixRMaj wm = Matrices.of(w, in, out);
        DMatrixRMaj g = centred ? stats.centred() : Matrices.of(stats.gram(), in, in);
        DMatrixRMaj l = Matrices.cholesky(g, damping);
        Matrices.Factors f = Matrices.truncatedSvd(Matrices.multTransA(l, wm), rank); // [Lᵀ·W]_r
        DMatrixRMaj lt = new DMatrixRMaj(in, in);
        CommonOps_DDRM.transpose(l, lt);
        DMatrixRMaj a = f.left().copy();
        CommonOps_DDRM.solve(lt, f.left(), a); // A = L⁻ᵀ·U_r·√σ (Lᵀ upper triangular)
        float[] b2 = bias == null ? null : bias.clone();
        if (centred) {
            // b' = b + μ·(W − A·B)
            DMatrixRMaj approx = Matrices.mult(a, f.right());
            double[] mu = stats.mean();
            if (b2 == null) {
                b2 = new float[out];
            }
            for (int n = 0; n < out; n++) {
                double s = 0;
                for (int k = 0; k < in; k++) {
                    s += mu[k] * (wm.get(k, n) - approx.get(k, n));
                }
                b2[n] += (float) s;
            }
        }
        return new LowRankLinear(new DenseLinear(Matrices.floats(a), in, a.numCols, null),
                new DenseLinear(Matrices.floats(f.right()), f.right().numRows, out, b2));
    }
}
