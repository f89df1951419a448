package ffnkit.lookup;

import ffnkit.kernels.Parallel;
import ffnkit.train.Adam;
import ffnkit.train.Checkpoint;
import ffnkit.train.Parameter;
import ffnkit.util.Progress;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Trains a LookupFFN layer on (input, target) rows with MSE loss (distillation) and the shared
 * {@link Adam}; the backward pass is derived by hand.
 *
 * <p>Forward per token (the paper's argmax-bucket form): z = P(x), code_k, score_k,
 * y = bias + sum_k score_k·T_k[code_k]. Loss L = mean over rows and outputs of (y - target)^2,
 * g = dL/dy = 2(y - target)/(B·d_out). Backward:
 * <ul>
 *   <li>dL/dbias = sum_t g_t; dL/dT_k[code_k] += score_k·g_t (only the chosen rows);</li>
 *   <li>dL/dscore_k = g_t · T_k[code_k]; dL/dz_kj = dL/dscore_k · dscore_k/dz_kj
 *       ({@link LookupMath#scoreGrad}); the codes are piecewise constant: no gradient;</li>
 *   <li>dL/dz flows into the projection bias and, through {@link Bh4#backward}, its weights.</li>
 * </ul>
 *
 * <p>Optional soft relaxation ({@link Options#softBuckets} m > 0): the exact soft lookup sums
 * w_c·T_k[c] over all 2^tau buckets ({@link LookupMath}: w_c = l_c·p_c, p_c the per-bit factorised
 * softmax); training then keeps, per token and table, the argmax bucket (whose w is score_k) plus
 * up to m distinct other buckets drawn from p_c, each with its exact weight w_c. The draw is
 * held fixed within a step (no gradient through the sampling); gradients flow through every kept
 * w_c: dL/dT_k[c] += w_c·g and dL/dz_k += (g·T_k[c])·dw_c/dz_k ({@link LookupMath#bucketWeightGrad}).
 * Unlike the argmax form, the projection then also learns which neighbouring bucket (one bit
 * flipped) would have fitted better, and the neighbouring rows get trained. Inference keeps the
 * argmax bucket only: the extra buckets carry the weights p_c of the less likely buckets, which
 * shrink as |z| grows.
 *
 * <p>Determinism: a batch is split into a fixed number of chunks ({@value #CHUNKS}) whose
 * projection gradients are summed in chunk order, and the table gradient is applied per table in
 * token order, so results depend on the seed only, not on the thread count.
 */
public final class LookupTrainer {

    static final int CHUNKS = 8;

    /**
     * @param checkpoint  file for resumable training (saved after every epoch), or null
     * @param progress    report progress on stderr
     * @param softBuckets sampled buckets per token and table besides the argmax (0: the argmax form)
     */
    public record Options(int epochs, int batchSize, float learningRate, long seed, Path checkpoint, boolean progress,
                          int softBuckets) {

        public Options {
            if (softBuckets < 0) {
                throw new IllegalArgumentException("soft buckets must be >= 0, got " + softBuckets);
            }
        }

        public Options(int epochs, int batchSize, float learningRate, long seed, Path checkpoint, boolean progress) {
            this(epochs, batchSize, learningRate, seed, checkpoint, progress, 0);
        }

        public static Options of(int epochs, int batchSize, float learningRate, long seed) {
            return new Options(epochs, batchSize, learningRate, seed, null, false, 0);
        }

        public Options withSoftBuckets(int m) {
            return new Options(epochs, batchSize, learningRate, seed, checkpoint, progress, m);
        }
    }

    private final LookupShape shape;
    private final Parameter projectionWeight;
    private final Parameter projectionBias;
    private final Parameter tables;
    private final Parameter bias;
    private final List<Parameter> parameters;

    public LookupTrainer(LookupFeedForward init) {
        this.shape = init.shape();
        this.projectionWeight = Parameter.of("lookup.projection.weight", init.projectionWeight().clone());
        this.projectionBias = Parameter.of("lookup.projection.bias", init.projectionBias().clone());
        this.tables = Parameter.of("lookup.tables", init.tables().clone());
        this.bias = Parameter.of("lookup.bias", init.bias().clone());
        this.parameters = List.of(projectionWeight, projectionBias, tables, bias);
    }

    public List<Parameter> parameters() {
        return parameters;
    }

    /** A layer with the current parameter values (copied: later training does not change it). */
    public LookupFeedForward model() {
        return new LookupFeedForward(shape, projectionWeight.value(), projectionBias.value(), tables.value(),
                bias.value());
    }

    /**
     * Trains and returns the mean training loss of every epoch. With a checkpoint file that
     * exists, training resumes after the last completed epoch (same seed: same result).
     */
    public List<Double> train(float[] x, float[] target, int rows, Options o) {
        Adam adam = new Adam(parameters);
        int startEpoch = 0;
        if (o.checkpoint() != null && Files.exists(o.checkpoint())) {
            try {
                startEpoch = (int) Checkpoint.load(o.checkpoint(), adam);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        int batches = (rows + o.batchSize() - 1) / o.batchSize();
        long steps = (long) o.epochs() * batches;
        Progress progress = o.progress() ? Progress.stderr() : null;
        List<Double> history = new ArrayList<>();
        int[] order = new int[rows];
        for (int epoch = startEpoch; epoch < o.epochs(); epoch++) {
            // one generator per epoch, so a resumed run shuffles exactly like an uninterrupted one
            SplittableRandom rnd = new SplittableRandom(o.seed() * 1_000_003L + epoch);
            for (int i = 0; i < rows; i++) {
                order[i] = i;
            }
            for (int i = rows - 1; i > 0; i--) {
                int j = rnd.nextInt(i + 1);
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
            double sum = 0;
            for (int b = 0; b < batches; b++) {
                int from = b * o.batchSize();
                int to = Math.min(rows, from + o.batchSize());
                adam.zeroGrad();
                long sampleSeed = (o.seed() * 1_000_003L + epoch) * 1_000_033L + b;
                double loss = lossAndGradient(x, target, order, from, to, o.softBuckets(), sampleSeed);
                adam.step(o.learningRate());
                sum += loss * (to - from);
                if (progress != null) {
                    progress.update("lookup train", (long) epoch * batches + b + 1, steps, String.format("loss %.5f", loss));
                }
            }
            history.add(sum / rows);
            if (o.checkpoint() != null) {
                try {
                    Checkpoint.save(o.checkpoint(), adam, epoch + 1);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }
        return history;
    }

    /** Per-chunk scratch and gradient buffers. */
    private final class Chunk {
        final float[] dProjectionWeight = new float[projectionWeight.value().length];
        final float[] dProjectionBias = new float[shape.codeDim()];
        final float[] dBias = new float[shape.outputDim()];
        final float[] z = new float[shape.codeDim()];
        final float[] dz = new float[shape.codeDim()];
        final float[] stages = new float[shape.repeats() * Bh4.STAGES * shape.paddedDim()];
        double loss;
    }

    /**
     * Adds dL/dparameters of the rows order[from..to) into the parameters' gradients (which the
     * caller zeroes) and returns the loss L = mean squared error over those rows and all outputs
     * (argmax form).
     */
    public double lossAndGradient(float[] x, float[] target, int[] order, int from, int to) {
        return lossAndGradient(x, target, order, from, to, 0, 0L);
    }

    /** The table rows (k·2^tau + c)·d_out, or -1, of every kept bucket of the last call (for tests). */
    int[] lastRows;

    /**
     * As {@link #lossAndGradient(float[], float[], int[], int, int)} with the soft relaxation over
     * 1 + softBuckets buckets per token and table (see the class comment). The draws for row r come
     * from a generator seeded by (sampleSeed, r): the same seed gives the same draws for the same z,
     * whatever the thread count.
     */
    public double lossAndGradient(float[] x, float[] target, int[] order, int from, int to, int softBuckets,
                                  long sampleSeed) {
        int count = to - from;
        int d = shape.inputDim();
        int dOut = shape.outputDim();
        int h = shape.tables();
        int tau = shape.bits();
        int slots = 1 + softBuckets;
        float[] w = projectionWeight.value();
        float[] pb = projectionBias.value();
        float[] t = tables.value();
        float[] b = bias.value();
        float gScale = 2f / ((float) count * dOut);
        int[] rowOf = new int[count * h * slots];
        float[] weightOf = new float[count * h * slots];
        float[] grads = new float[count * dOut];
        Chunk[] chunks = new Chunk[CHUNKS];
        Parallel.shared().forEach(CHUNKS, c -> {
            Chunk ch = new Chunk();
            chunks[c] = ch;
            int c0 = from + (int) ((long) count * c / CHUNKS);
            int c1 = from + (int) ((long) count * (c + 1) / CHUNKS);
            float[] y = new float[dOut];
            double[] u = new double[softBuckets * tau];
            for (int i = c0; i < c1; i++) {
                int r = order == null ? i : order[i];
                int bi = i - from;
                Bh4.project(shape, w, pb, x, r * d, ch.z, 0, ch.stages);
                if (softBuckets > 0) {
                    SplittableRandom rnd = new SplittableRandom(sampleSeed * 0x9E3779B97F4A7C15L + r);
                    for (int q = 0; q < u.length; q++) {
                        u[q] = rnd.nextDouble();
                    }
                }
                System.arraycopy(b, 0, y, 0, dOut);
                for (int k = 0; k < h; k++) {
                    int base = (bi * h + k) * slots;
                    int code = LookupMath.code(ch.z, k * tau, tau);
                    rowOf[base] = ((k << tau) + code) * dOut;
                    weightOf[base] = LookupMath.score(ch.z, k * tau, tau);
                    for (int sIdx = 1; sIdx < slots; sIdx++) {
                        int cs = LookupMath.sampleBucket(ch.z, k * tau, tau, u, (sIdx - 1) * tau);
                        int row = ((k << tau) + cs) * dOut;
                        boolean seen = false;
                        for (int q = base; q < base + sIdx; q++) {
                            seen |= rowOf[q] == row;
                        }
                        // a repeated bucket is kept once: the set of buckets, each with its exact weight
                        rowOf[base + sIdx] = seen ? -1 : row;
                        weightOf[base + sIdx] = seen ? 0f : LookupMath.bucketWeight(ch.z, k * tau, tau, cs);
                    }
                    for (int sIdx = 0; sIdx < slots; sIdx++) {
                        int row = rowOf[base + sIdx];
                        if (row < 0) {
                            continue;
                        }
                        float weight = weightOf[base + sIdx];
                        for (int j = 0; j < dOut; j++) {
                            y[j] += weight * t[row + j];
                        }
                    }
                }
                int go = bi * dOut;
                for (int j = 0; j < dOut; j++) {
                    float e = y[j] - target[r * dOut + j];
                    ch.loss += (double) e * e;
                    float g = gScale * e;
                    grads[go + j] = g;
                    ch.dBias[j] += g;
                }
                java.util.Arrays.fill(ch.dz, 0f);
                for (int k = 0; k < h; k++) {
                    int base = (bi * h + k) * slots;
                    for (int sIdx = 0; sIdx < slots; sIdx++) {
                        int row = rowOf[base + sIdx];
                        if (row < 0) {
                            continue;
                        }
                        float dWeight = 0f;
                        for (int j = 0; j < dOut; j++) {
                            dWeight += grads[go + j] * t[row + j];
                        }
                        if (sIdx == 0) {
                            LookupMath.scoreGrad(ch.z, k * tau, tau, dWeight, ch.dz, k * tau);
                        } else {
                            int cs = row / dOut - (k << tau);
                            LookupMath.bucketWeightGrad(ch.z, k * tau, tau, cs, dWeight, ch.dz, k * tau);
                        }
                    }
                }
                for (int j = 0; j < ch.dz.length; j++) {
                    ch.dProjectionBias[j] += ch.dz[j];
                }
                Bh4.backward(shape, w, x, r * d, ch.stages, ch.dz, 0, ch.dProjectionWeight);
            }
        });
        double loss = 0;
        for (Chunk ch : chunks) {
            loss += ch.loss;
            add(projectionWeight.grad(), ch.dProjectionWeight);
            add(projectionBias.grad(), ch.dProjectionBias);
            add(bias.grad(), ch.dBias);
        }
        // table gradient: each table owned by one task, tokens in batch order -> deterministic
        float[] dT = tables.grad();
        Parallel.shared().forEach(h, k -> {
            for (int i = 0; i < count; i++) {
                int go = i * dOut;
                for (int sIdx = 0; sIdx < slots; sIdx++) {
                    int q = (i * h + k) * slots + sIdx;
                    int row = rowOf[q];
                    if (row < 0) {
                        continue;
                    }
                    float weight = weightOf[q];
                    for (int j = 0; j < dOut; j++) {
                        dT[row + j] += weight * grads[go + j];
                    }
                }
            }
        });
        lastRows = rowOf;
        return loss / ((double) count * dOut);
    }

    private static void add(float[] into, float[] a) {
        for (int i = 0; i < a.length; i++) {
            into[i] += a[i];
        }
    }
}
