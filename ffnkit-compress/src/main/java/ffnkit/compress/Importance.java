package ffnkit.compress;

/** How a neuron's importance is scored for the heavy-hitter split. */
public enum Importance {
    /** ||h_j|| · ||V_j||: the neuron's output norm (FFSplit Eq. 3; default). */
    OUTPUT_NORM,
    /** ||h_j|| only. */
    ACTIVATION_NORM,
    /**
     * Neuron j's share of the output error the light method makes on the whole FFN
     * ({@link LightError}): keeps exact the neurons whose compression costs the most, rather than
     * the loudest ones. Needs the layer's weights and the activation Gram: compress only.
     */
    LIGHT_ERROR;

    /** The command-line spelling: "output-norm", "activation-norm" or "light-error". */
    public static Importance parse(String s) {
        return switch (s) {
            case "output-norm" -> OUTPUT_NORM;
            case "activation-norm" -> ACTIVATION_NORM;
            case "light-error" -> LIGHT_ERROR;
            default -> throw new IllegalArgumentException(
                    "--importance must be output-norm, activation-norm or light-error, got " + s);
        };
    }

    /** The statistics-only scores (output-norm, activation-norm). */
    public double[] scores(LayerStatistics s) {
        return switch (this) {
            case OUTPUT_NORM -> s.outputNormScores();
            case ACTIVATION_NORM -> s.activationNormScores();
            case LIGHT_ERROR -> throw new IllegalArgumentException(
                    "--importance light-error scores neurons by the compression's own error: use it with compress");
        };
    }
}
