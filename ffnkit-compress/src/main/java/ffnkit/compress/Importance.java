package ffnkit.compress;

/** How a neuron's importance is scored for the heavy-hitter split. */
public enum Importance {
    /** ||h_j|| · ||V_j||: the neuron's output norm (FFSplit Eq. 3; default). */
    OUTPUT_NORM,
    /** ||h_j|| only. */
    ACTIVATION_NORM;

    /** The command-line spelling: "output-norm" or "activation-norm". */
    public static Importance parse(String s) {
        return switch (s) {
            case "output-norm" -> OUTPUT_NORM;
            case "activation-norm" -> ACTIVATION_NORM;
            default -> throw new IllegalArgumentException("--importance must be output-norm or activation-norm, got " + s);
        };
    }

    public double[] scores(LayerStatistics s) {
        return this == OUTPUT_NORM ? s.outputNormScores() : s.activationNormScores();
    }
}
