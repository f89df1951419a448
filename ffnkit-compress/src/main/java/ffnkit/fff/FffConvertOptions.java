package ffnkit.fff;

/**
 * Settings of {@link FffConverter}.
 *
 * @param trees           K
 * @param depth           D (each tree has 2^(D+1)-1 neurons, a token evaluates D+1 per tree)
 * @param init            how node neurons are initialised
 * @param heldOutFraction fraction of the calibration rows kept out of training to report the error
 * @param training        the layer-wise distillation run (HARD or SOFT form, epochs, lr, ...)
 * @param seed            seed of the held-out split and of the RANDOM init
 */
public record FffConvertOptions(int trees, int depth, Init init, double heldOutFraction, FffTrainOptions training,
                                long seed) {

    public enum Init {
        /**
         * Every node is one of the dense FFN's own neurons (its U column, b1 entry and V row),
         * chosen top-down by how much output energy it carries on the calibration tokens that
         * reach that node and how evenly its sign splits them; see {@link FffConverter}.
         */
        DENSE_NEURONS,
        /** {@link FastFeedForward#random}, for comparison. */
        RANDOM
    }

    public FffConvertOptions {
        if (trees < 1 || depth < 0 || !(heldOutFraction >= 0 && heldOutFraction < 1)) {
            throw new IllegalArgumentException("invalid conversion options: " + trees + "x" + depth + ", held out "
                    + heldOutFraction);
        }
    }

    public static FffConvertOptions of(int trees, int depth) {
        return new FffConvertOptions(trees, depth, Init.DENSE_NEURONS, 0.1,
                FffTrainOptions.defaults(FffTrainOptions.Routing.HARD).withEpochs(20).withBatchSize(256)
                        .withLearningRate(1e-3f), 1);
    }

    public FffConvertOptions withInit(Init i) {
        return new FffConvertOptions(trees, depth, i, heldOutFraction, training, seed);
    }

    public FffConvertOptions withTraining(FffTrainOptions t) {
        return new FffConvertOptions(trees, depth, init, heldOutFraction, t, seed);
    }

    public FffConvertOptions withHeldOutFraction(double f) {
        return new FffConvertOptions(trees, depth, init, f, training, seed);
    }
}
