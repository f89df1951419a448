package ffnkit.fff;

import java.nio.file.Path;

/**
 * Settings of {@link FffTrainer}.
 *
 * @param routing         HARD (UltraFastBERT masked form) or SOFT (FFF-paper mixture + entropy)
 * @param epochs          passes over the training rows
 * @param batchSize       rows per Adam step
 * @param learningRate    peak Adam learning rate; cosine decay to 10% of it over the run
 * @param entropyWeight   SOFT only: weight of the mean routing entropy per decision (0.1 hardens)
 * @param pruneBelow      SOFT only: drop nodes reached with probability <= this (0 = exact mixture)
 * @param finalTemperature SOFT only: router temperature τ at the end of training; τ is annealed
 *                        geometrically from 1 (σ(l)) to this, so the trained soft tree ends close to
 *                        the hard routing it is evaluated with (1 = no annealing)
 * @param seed            shuffling seed; results are deterministic for a seed and thread count
 * @param checkpoint      file to resume from and save to, or null
 * @param checkpointEvery save every this many steps (and at the end); 0 = only at the end
 * @param progress        draw a progress bar on stderr
 */
public record FffTrainOptions(Routing routing, int epochs, int batchSize, float learningRate, float entropyWeight,
                              float pruneBelow, float finalTemperature, long seed, Path checkpoint, int checkpointEvery, boolean progress) {

    public enum Routing { HARD, SOFT }

    public FffTrainOptions {
        if (!(finalTemperature > 0) || epochs < 0 || batchSize < 1 || !(learningRate > 0) || entropyWeight < 0 || pruneBelow < 0
                || checkpointEvery < 0) {
            throw new IllegalArgumentException("invalid training options: " + epochs + " epochs, batch " + batchSize
                    + ", lr " + learningRate + ", entropy " + entropyWeight + ", prune " + pruneBelow);
        }
    }

    public static FffTrainOptions defaults(Routing routing) {
        return new FffTrainOptions(routing, 10, 256, 1e-3f, 0.1f, 0f, 0.02f, 1, null, 0, false);
    }

    public FffTrainOptions withRouting(Routing r) {
        return new FffTrainOptions(r, epochs, batchSize, learningRate, entropyWeight, pruneBelow, finalTemperature, seed,
                checkpoint, checkpointEvery, progress);
    }

    public FffTrainOptions withEpochs(int e) {
        return new FffTrainOptions(routing, e, batchSize, learningRate, entropyWeight, pruneBelow, finalTemperature, seed, checkpoint,
                checkpointEvery, progress);
    }

    public FffTrainOptions withBatchSize(int b) {
        return new FffTrainOptions(routing, epochs, b, learningRate, entropyWeight, pruneBelow, finalTemperature, seed, checkpoint,
                checkpointEvery, progress);
    }

    public FffTrainOptions withLearningRate(float lr) {
        return new FffTrainOptions(routing, epochs, batchSize, lr, entropyWeight, pruneBelow, finalTemperature, seed, checkpoint,
                checkpointEvery, progress);
    }

    public FffTrainOptions withEntropyWeight(float w) {
        return new FffTrainOptions(routing, epochs, batchSize, learningRate, w, pruneBelow, finalTemperature, seed, checkpoint,
                checkpointEvery, progress);
    }

    public FffTrainOptions withPruneBelow(float p) {
        return new FffTrainOptions(routing, epochs, batchSize, learningRate, entropyWeight, p, finalTemperature, seed, checkpoint,
                checkpointEvery, progress);
    }

    public FffTrainOptions withFinalTemperature(float t) {
        return new FffTrainOptions(routing, epochs, batchSize, learningRate, entropyWeight, pruneBelow, t, seed,
                checkpoint, checkpointEvery, progress);
    }

    public FffTrainOptions withSeed(long s) {
        return new FffTrainOptions(routing, epochs, batchSize, learningRate, entropyWeight, pruneBelow, finalTemperature, s, checkpoint,
                checkpointEvery, progress);
    }

    public FffTrainOptions withCheckpoint(Path file, int every) {
        return new FffTrainOptions(routing, epochs, batchSize, learningRate, entropyWeight, pruneBelow, finalTemperature, seed, file,
                every, progress);
    }

    public FffTrainOptions withProgress(boolean p) {
        return new FffTrainOptions(routing, epochs, batchSize, learningRate, entropyWeight, pruneBelow, finalTemperature, seed,
                checkpoint, checkpointEvery, p);
    }
}
