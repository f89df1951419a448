package ffnkit.lookup;

import java.nio.file.Path;

/**
 * Options of {@link LookupConverter}.
 *
 * @param tables          h
 * @param bits            tau
 * @param projection      BH4 or dense
 * @param blockSize       BH4 block size b
 * @param heldOutFraction share of the calibration rows kept out of fitting, to report the error on
 * @param backfitPasses   passes of the closed-form per-table least-squares fit (0: tables start at 0)
 * @param ridge           ridge of that fit, relative to the mean squared score of the table
 * @param epochs          Adam epochs of end-to-end distillation after the fit (0: none)
 * @param batchSize       rows per Adam step
 * @param learningRate    Adam learning rate
 * @param seed            projection init, split and shuffling
 * @param checkpoint      checkpoint file for the distillation, or null
 * @param progress        progress bar on stderr
 * @param softBuckets     distillation with the sampled soft relaxation over 1 + softBuckets buckets
 *                        per token and table ({@link LookupTrainer.Options#softBuckets}); 0: argmax form
 */
public record LookupConvertOptions(int tables, int bits, LookupShape.ProjectionKind projection, int blockSize,
                                   double heldOutFraction, int backfitPasses, double ridge, int epochs, int batchSize,
                                   float learningRate, long seed, Path checkpoint, boolean progress,
                                   int softBuckets) {

    public LookupConvertOptions(int tables, int bits, LookupShape.ProjectionKind projection, int blockSize,
                                double heldOutFraction, int backfitPasses, double ridge, int epochs, int batchSize,
                                float learningRate, long seed, Path checkpoint, boolean progress) {
        this(tables, bits, projection, blockSize, heldOutFraction, backfitPasses, ridge, epochs, batchSize,
                learningRate, seed, checkpoint, progress, 0);
    }

    public static LookupConvertOptions defaults(int tables, int bits) {
        return new LookupConvertOptions(tables, bits, LookupShape.ProjectionKind.BH4, 64, 0.1, 3, 1.0, 5, 256, 1e-3f,
                1, null, false);
    }

    public LookupConvertOptions withProjection(LookupShape.ProjectionKind kind) {
        return new LookupConvertOptions(tables, bits, kind, blockSize, heldOutFraction, backfitPasses, ridge, epochs,
                batchSize, learningRate, seed, checkpoint, progress, softBuckets);
    }

    public LookupConvertOptions withTraining(int epochs, int batchSize, float learningRate) {
        return new LookupConvertOptions(tables, bits, projection, blockSize, heldOutFraction, backfitPasses, ridge, epochs,
                batchSize, learningRate, seed, checkpoint, progress, softBuckets);
    }

    public LookupConvertOptions withBackfit(int passes, double ridge) {
        return new LookupConvertOptions(tables, bits, projection, blockSize, heldOutFraction, passes, ridge, epochs,
                batchSize, learningRate, seed, checkpoint, progress, softBuckets);
    }

    public LookupConvertOptions withSoftBuckets(int m) {
        return new LookupConvertOptions(tables, bits, projection, blockSize, heldOutFraction, backfitPasses, ridge, epochs,
                batchSize, learningRate, seed, checkpoint, progress, m);
    }
}
