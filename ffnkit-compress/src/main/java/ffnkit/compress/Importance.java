package ffnkit.compress;

/** How a neuron's importance is scored for the heavy-hitter split. */
public enum Importance {
    /** ||h_j|| · ||V_j||: the neuron's output norm (FFSplit Eq. 3; default). */
    OUTPUT_NORM,
    /** ||h_j|| only. */
    ACTIVATION_NORM;

    public double[] scores(LayerStatistics s) {
        return this == OUTPUT_NORM ? s.outputNormScores() : s.activationNormScores();
    }
}
