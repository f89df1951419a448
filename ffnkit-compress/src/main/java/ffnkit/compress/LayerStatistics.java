package ffnkit.compress;

/**
 * Streaming statistics of one FFN layer over calibration text (FFSplit section 4.1 and the
 * data-aware compression that follows). Sums only: no activation is ever stored.
 *
 * <p>Notation (METHODS.md): FFN(X) = act(X·U + b1)·V + b2, X [n x d], U [d x m], V [m x d].
 * h_j = act(X·U_j + b1_j) is neuron j's activation over the n calibration tokens.
 *
 * @param sumSquares      Σ_tokens h_j², per neuron [m] (so ||h_j||₂ = sqrt)
 * @param halfSumSquares  the same sums for the texts of the two disjoint halves (even and odd text index) [2][m]
 * @param countAbove      tokens with |h_j| > threshold, per neuron [m]
 * @param maxAbs          max_tokens |h_j|, per neuron [m]
 * @param downRowNorms    ||V_j||₂, per neuron [m]
 * @param inputGram       Xᵀ·X [d x d] row-major, accumulated in double
 * @param inputSum        Σ_tokens x [d]
 * @param activationGram  Hᵀ·H [m x m] row-major (H = act(X·U + b1)), or null when not collected
 * @param activationSum   Σ_tokens h [m], or null when not collected
 */
public record LayerStatistics(
        int inputDim,
        int width,
        long tokens,
        double threshold,
        double[] sumSquares,
        double[][] halfSumSquares,
        long[] countAbove,
        float[] maxAbs,
        float[] downRowNorms,
        double[] inputGram,
        double[] inputSum,
        double[] activationGram,
        double[] activationSum) {

    public boolean hasActivationGram() {
        return activationGram != null;
    }

    /** ||h_j||₂ · ||V_j||₂: the Frobenius norm of neuron j's rank-1 output term h_j ⊗ V_j (the default importance). */
    public double[] outputNormScores() {
        double[] s = new double[width];
        for (int j = 0; j < width; j++) {
            s[j] = Math.sqrt(sumSquares[j]) * downRowNorms[j];
        }
        return s;
    }

    /** ||h_j||₂ alone (the activation-norm variant). */
    public double[] activationNormScores() {
        double[] s = new double[width];
        for (int j = 0; j < width; j++) {
            s[j] = Math.sqrt(sumSquares[j]);
        }
        return s;
    }

    /** Output-norm scores from one half of the calibration texts (0 or 1). */
    public double[] halfOutputNormScores(int half) {
        double[] s = new double[width];
        for (int j = 0; j < width; j++) {
            s[j] = Math.sqrt(halfSumSquares[half][j]) * downRowNorms[j];
        }
        return s;
    }
}
