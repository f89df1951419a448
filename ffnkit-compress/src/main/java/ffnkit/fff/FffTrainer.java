package ffnkit.fff;

import ffnkit.kernels.Parallel;
import ffnkit.model.FeedForward;
import ffnkit.train.Adam;
import ffnkit.train.Checkpoint;
import ffnkit.train.Parameter;
import ffnkit.util.Progress;

import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import java.util.Random;

/**
 * Distillation training of a {@link FastFeedForward} in place: minimise the mean squared error to
 * target outputs (e.g. the dense FFN's outputs on the same inputs) with Adam, in the hard
 * (UltraFastBERT) or soft (FFF paper) form of {@link FffGradients}.
 *
 * <p>Determinism: each minibatch is split into one chunk per pool thread, every chunk sums its
 * gradients into its own buffers in token order, and the chunks are reduced in chunk order; the
 * shuffle of epoch e comes from Random(seed, e). So a seed and a thread count fix the result, and a
 * run resumed from a checkpoint (saved after a step, with the step count as progress) continues
 * bit for bit like an uninterrupted one.
 */
public final class FffTrainer {

    /** Loss is the mean over elements of (y - t)² (+ the entropy term in the soft form). */
    public record Result(long steps, double firstEpochLoss, double lastEpochLoss) {
    }

    private FffTrainer() {
    }

    public static Result train(FastFeedForward f, float[] x, float[] target, int rows, FffTrainOptions o)
            throws IOException {
        return train(f, x, target, rows, o, Long.MAX_VALUE);
    }

    /** As above, but returns after global step stopAfter: a test hook that simulates an interrupted run. */
    static Result train(FastFeedForward f, float[] x, float[] target, int rows, FffTrainOptions o, long stopAfter)
            throws IOException {
        if (x.length < (long) rows * f.inputDim() || target.length < (long) rows * f.outputDim()) {
            throw new IllegalArgumentException("x or target too small for " + rows + " rows");
        }
        List<Parameter> params = List.of(
                new Parameter("fff.w_in", f.wIn(), new float[f.wIn().length]),
                new Parameter("fff.b_in", f.bIn(), new float[f.bIn().length]),
                new Parameter("fff.w_out", f.wOut(), new float[f.wOut().length]),
                new Parameter("fff.b2", f.b2(), new float[f.b2().length]));
        Adam adam = new Adam(params);
        int batch = Math.min(o.batchSize(), Math.max(1, rows));
        long perEpoch = (rows + batch - 1) / batch;
        long total = perEpoch * o.epochs();
        long step = 0;
        if (o.checkpoint() != null && Files.exists(o.checkpoint())) {
            step = Checkpoint.load(o.checkpoint(), adam);
        }
        Parallel pool = Parallel.shared();
        int chunks = pool.threads();
        FffGradients.Grads[] grads = new FffGradients.Grads[chunks];
        FffGradients.SoftScratch[] scratch = new FffGradients.SoftScratch[chunks];
        grads[0] = new FffGradients.Grads(params.get(0).grad(), params.get(1).grad(), params.get(2).grad(),
                params.get(3).grad());
        for (int c = 0; c < chunks; c++) {
            if (c > 0) {
                grads[c] = FffGradients.Grads.like(f);
            }
            if (o.routing() == FffTrainOptions.Routing.SOFT) {
                scratch[c] = new FffGradients.SoftScratch(f);
            }
        }
        String label = "fff " + o.routing().name().toLowerCase();
        Progress progress = o.progress() ? Progress.stderr() : null;
        int[] order = null;
        long orderEpoch = -1;
        double firstEpoch = 0;
        double lastEpoch = 0;
        double epochLoss = 0;
        long epochRows = 0;
        double[] chunkLoss = new double[chunks];
        int decisions = f.trees() * Math.max(1, f.depth());
        for (; step < Math.min(total, stopAfter); step++) {
            long epoch = step / perEpoch;
            if (epoch != orderEpoch) {
                order = permutation(rows, o.seed() * 1_000_003L + epoch);
                orderEpoch = epoch;
                epochLoss = 0;
                epochRows = 0;
            }
            int b0 = (int) ((step % perEpoch) * batch);
            int b1 = Math.min(rows, b0 + batch);
            int bs = b1 - b0;
            float mseScale = 1f / ((float) bs * f.outputDim());
            float entScale = f.depth() == 0 ? 0f : o.entropyWeight() / ((float) bs * decisions);
            int[] ord = order;
            float invTemperature = (float) Math.pow(o.finalTemperature(), -progressOf(step, total));
            pool.forEach(chunks, c -> {
                grads[c].zero();
                int from = b0 + (int) ((long) bs * c / chunks);
                int to = b0 + (int) ((long) bs * (c + 1) / chunks);
                chunkLoss[c] = o.routing() == FffTrainOptions.Routing.HARD
                        ? FffGradients.hard(f, x, target, ord, from, to, mseScale, grads[c])
                        : FffGradients.soft(f, x, target, ord, from, to, mseScale, entScale, invTemperature, o.pruneBelow(),
                        grads[c], scratch[c]);
            });
            double loss = 0;
            for (int c = 0; c < chunks; c++) {
                loss += chunkLoss[c];
                if (c > 0) {
                    add(grads[0], grads[c]);
                }
            }
            float lr = (float) (o.learningRate() * (0.1 + 0.45 * (1 + Math.cos(Math.PI * progressOf(step, total)))));
            adam.step(lr);
            epochLoss += loss * bs;
            epochRows += bs;
            boolean epochEnd = (step + 1) % perEpoch == 0;
            if (epochEnd) {
                if (epoch == 0) {
                    firstEpoch = epochLoss / epochRows;
                }
                lastEpoch = epochLoss / epochRows;
            }
            if (o.checkpoint() != null
                    && ((o.checkpointEvery() > 0 && (step + 1) % o.checkpointEvery() == 0) || step + 1 == total)) {
                Checkpoint.save(o.checkpoint(), adam, step + 1);
            }
            if (progress != null) {
                progress.update(label, step + 1, total, String.format("loss %.5g", loss));
            }
        }
        return new Result(total, firstEpoch, lastEpoch);
    }

    /** Fraction of the run done before this step, in [0, 1]. */
    private static double progressOf(long step, long total) {
        return total <= 1 ? 0 : (double) step / (total - 1);
    }

    private static void add(FffGradients.Grads into, FffGradients.Grads g) {
        addTo(into.wIn(), g.wIn());
        addTo(into.bIn(), g.bIn());
        addTo(into.wOut(), g.wOut());
        addTo(into.b2(), g.b2());
    }

    private static void addTo(float[] a, float[] b) {
        for (int i = 0; i < a.length; i++) {
            a[i] += b[i];
        }
    }

    static int[] permutation(int rows, long seed) {
        Random r = new Random(seed);
        int[] p = new int[rows];
        for (int i = 0; i < rows; i++) {
            p[i] = i;
        }
        for (int i = rows - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int tmp = p[i];
            p[i] = p[j];
            p[j] = tmp;
        }
        return p;
    }

    /** ||f(x) - target|| / ||target|| over rows, with f's own (hard-routing) inference. */
    public static double relativeError(FeedForward f, float[] x, float[] target, int rows) {
        float[] y = new float[rows * f.outputDim()];
        f.forward(x, rows, y);
        double num = 0;
        double den = 0;
        for (int i = 0; i < y.length; i++) {
            double e = y[i] - target[i];
            num += e * e;
            den += (double) target[i] * target[i];
        }
        return Math.sqrt(num / Math.max(den, Double.MIN_NORMAL));
    }
}
