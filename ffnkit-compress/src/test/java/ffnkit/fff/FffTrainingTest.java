package ffnkit.fff;

import ffnkit.kernels.Activation;
import ffnkit.kernels.MathFunctions;
import ffnkit.kernels.Parallel;
import ffnkit.model.DenseFeedForward;
import ffnkit.model.DenseLinear;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FffTrainingTest {

    @AfterEach
    void restoreThreads() {
        Parallel.setThreads(Runtime.getRuntime().availableProcessors());
    }

    static float[] gaussian(int n, long seed, double std) {
        Random r = new Random(seed);
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (r.nextGaussian() * std);
        }
        return a;
    }

    private interface Loss {
        double eval(FastFeedForward f, FffGradients.Grads g);
    }

    /**
     * Central differences with h = 1e-3 against the analytic gradient, every coordinate. The loss
     * sums in double but y is float, so FD noise is about u·|loss|/h ~ 1e-4·|loss|; the O(h²)
     * truncation is far below that. Tolerance 1e-3·|loss| + 2e-2·|g| absorbs both, while a wrong
     * term (a missing factor, sign or path) is off by O(|g|) and fails.
     */
    private static void checkGradients(FastFeedForward f, Loss loss) {
        FffGradients.Grads g = FffGradients.Grads.like(f);
        double l0 = loss.eval(f, g);
        float[][] params = {f.wIn(), f.bIn(), f.wOut(), f.b2()};
        float[][] grads = {g.wIn(), g.bIn(), g.wOut(), g.b2()};
        String[] names = {"W_in", "b_in", "W_out", "b2"};
        float h = 1e-3f;
        int nonZero = 0;
        for (int p = 0; p < params.length; p++) {
            for (int i = 0; i < params[p].length; i++) {
                float keep = params[p][i];
                params[p][i] = keep + h;
                double up = loss.eval(f, FffGradients.Grads.like(f));
                params[p][i] = keep - h;
                double down = loss.eval(f, FffGradients.Grads.like(f));
                params[p][i] = keep;
                double fd = (up - down) / (2 * h);
                double an = grads[p][i];
                if (Math.abs(an) > 1e-4) {
                    nonZero++;
                }
                assertTrue(Math.abs(fd - an) <= 1e-3 * Math.abs(l0) + 2e-2 * Math.abs(an),
                        names[p] + "[" + i + "]: analytic " + an + ", finite difference " + fd);
            }
        }
        assertTrue(nonZero > 20, "too few non-zero gradients to be a test: " + nonZero);
    }

    /** Smallest |l| on any token's path: the hard form is only differentiable away from ties. */
    private static float minPathMargin(FastFeedForward f, float[] x, int rows) {
        int d = f.inputDim();
        int n = f.nodesPerTree();
        float min = Float.POSITIVE_INFINITY;
        for (int t = 0; t < rows; t++) {
            for (int k = 0; k < f.trees(); k++) {
                int node = 0;
                for (int s = 0; s <= f.depth(); s++) {
                    int row = k * n + node;
                    float l = f.bIn()[row];
                    for (int i = 0; i < d; i++) {
                        l += x[t * d + i] * f.wIn()[row * d + i];
                    }
                    min = Math.min(min, Math.abs(l));
                    node = 2 * node + 1 + (l > 0 ? 1 : 0);
                }
            }
        }
        return min;
    }

    @Test
    void hardFormGradientsMatchFiniteDifferences() {
        int rows = 6;
        int d = 5;
        int dOut = 4;
        // Pick data whose routing margins exceed what a ±h change of any weight can move (h·|x| < 0.01).
        for (long seed = 1; ; seed++) {
            FastFeedForward f = FastFeedForward.random(2, 2, d, dOut, seed);
            float[] x = gaussian(rows * d, 100 + seed, 1);
            if (minPathMargin(f, x, rows) < 0.05f) {
                continue;
            }
            float[] target = gaussian(rows * dOut, 200 + seed, 1);
            int[] idx = {0, 1, 2, 3, 4, 5};
            float scale = 1f / (rows * dOut);
            checkGradients(f, (ff, g) -> FffGradients.hard(ff, x, target, idx, 0, rows, scale, g));
            return;
        }
    }

    @Test
    void softFormGradientsMatchFiniteDifferencesIncludingEntropy() {
        int rows = 5;
        int d = 4;
        int dOut = 3;
        FastFeedForward f = FastFeedForward.random(2, 2, d, dOut, 7);
        float[] x = gaussian(rows * d, 8, 1);
        float[] target = gaussian(rows * dOut, 9, 1);
        int[] idx = {0, 1, 2, 3, 4};
        float scale = 1f / (rows * dOut);
        float entScale = 0.5f / (rows * 2 * 2);
        FffGradients.SoftScratch sc = new FffGradients.SoftScratch(f);
        checkGradients(f, (ff, g) -> FffGradients.soft(ff, x, target, idx, 0, rows, scale, entScale, 1.7f, 0f, g, sc));
    }

    @Test
    void softFormWithSharpRoutersEqualsHardInference() {
        // Scaling W_in and b_in by 1e5 makes every σ(l) 0 or 1 (and GELU(l) ≈ relu(l)): the
        // mixture collapses onto the hard path, whose output must then equal the CMM kernel's.
        FastFeedForward f = FastFeedForward.random(3, 3, 6, 5, 11);
        for (int i = 0; i < f.wIn().length; i++) {
            f.wIn()[i] *= 100000;
        }
        for (int i = 0; i < f.bIn().length; i++) {
            f.bIn()[i] *= 100000;
        }
        int rows = 20;
        float[] x = gaussian(rows * 6, 12, 1);
        float[] hard = new float[rows * 5];
        f.forward(x, rows, hard);
        int[] idx = new int[rows];
        for (int i = 0; i < rows; i++) {
            idx[i] = i;
        }
        // Loss against target = hard output is ~0 iff the soft output equals it.
        double soft = FffGradients.soft(f, x, hard, idx, 0, rows, 1f, 0f, 1f, 0f, FffGradients.Grads.like(f),
                new FffGradients.SoftScratch(f));
        double scale = 0;
        for (float v : hard) {
            scale += v * v;
        }
        assertTrue(soft <= 1e-8 * scale, "soft vs hard squared error " + soft + " (output energy " + scale + ")");
    }

    /** Synthetic problem: a random dense GELU FFN 8 -> 32 -> 8 as teacher, 2048 training rows. */
    private static float[][] teacherData(int rows, long seed) {
        int d = 8;
        Random r = new Random(seed);
        DenseFeedForward teacher = new DenseFeedForward(
                new DenseLinear(gaussian(d * 32, seed + 1, 1 / Math.sqrt(d)), d, 32, gaussian(32, seed + 2, 0.5)),
                Activation.GELU,
                new DenseLinear(gaussian(32 * d, seed + 3, 1 / Math.sqrt(32)), 32, d, null));
        float[] x = gaussian(rows * d, r.nextLong(), 1);
        float[] y = new float[rows * d];
        teacher.forward(x, rows, y);
        return new float[][] {x, y};
    }

    @Test
    void hardFormLearnsASyntheticRegression() throws Exception {
        // Bound: held-out relative error below 0.4. For scale: output 0 gives 1.0, the best constant
        // (the training mean) 0.84, the random init ~1.5; measured 0.28 (hard) and 0.29 (soft).
        int rows = 2048;
        float[][] all = teacherData(rows + 512, 1);
        float[] xTrain = java.util.Arrays.copyOfRange(all[0], 0, rows * 8);
        float[] yTrain = java.util.Arrays.copyOfRange(all[1], 0, rows * 8);
        float[] xTest = java.util.Arrays.copyOfRange(all[0], rows * 8, (rows + 512) * 8);
        float[] yTest = java.util.Arrays.copyOfRange(all[1], rows * 8, (rows + 512) * 8);
        FastFeedForward f = FastFeedForward.random(4, 3, 8, 8, 3);
        double before = FffTrainer.relativeError(f, xTest, yTest, 512);
        FffTrainer.Result r = FffTrainer.train(f, xTrain, yTrain, rows,
                FffTrainOptions.defaults(FffTrainOptions.Routing.HARD).withEpochs(40).withBatchSize(64)
                        .withLearningRate(3e-3f));
        double after = FffTrainer.relativeError(f, xTest, yTest, 512);
        System.out.printf("hard 4x3: held-out relative error %.4f -> %.4f, loss %.5f -> %.5f%n", before, after,
                r.firstEpochLoss(), r.lastEpochLoss());
        assertTrue(after < 0.4, "held-out relative error " + after);
        assertTrue(r.lastEpochLoss() < r.firstEpochLoss());
    }

    /** Soft training (entropy 0.1, τ annealed 1 -> 0.02), then evaluated with hard routing. */
    @Test
    void softFormLearnsTheSameProblemAndKeepsItUnderHardRouting() throws Exception {
        int rows = 2048;
        float[][] all = teacherData(rows + 512, 1);
        float[] xTrain = java.util.Arrays.copyOfRange(all[0], 0, rows * 8);
        float[] yTrain = java.util.Arrays.copyOfRange(all[1], 0, rows * 8);
        float[] xTest = java.util.Arrays.copyOfRange(all[0], rows * 8, (rows + 512) * 8);
        float[] yTest = java.util.Arrays.copyOfRange(all[1], rows * 8, (rows + 512) * 8);
        FastFeedForward f = FastFeedForward.random(4, 3, 8, 8, 3);
        FffTrainer.train(f, xTrain, yTrain, rows,
                FffTrainOptions.defaults(FffTrainOptions.Routing.SOFT).withEpochs(40).withBatchSize(64)
                        .withLearningRate(3e-3f).withEntropyWeight(0.1f));
        double after = FffTrainer.relativeError(f, xTest, yTest, 512);
        System.out.printf("soft 4x3, evaluated hard: held-out relative error %.4f%n", after);
        assertTrue(after < 0.4, "held-out relative error with hard routing " + after);
    }

    @Test
    void trainingIsDeterministicForASeedAndThreadCount() throws Exception {
        Parallel.setThreads(2);
        float[][] data = teacherData(300, 5);
        for (FffTrainOptions.Routing routing : FffTrainOptions.Routing.values()) {
            FffTrainOptions o = FffTrainOptions.defaults(routing).withEpochs(3).withBatchSize(32).withSeed(9);
            FastFeedForward a = FastFeedForward.random(2, 2, 8, 8, 1);
            FastFeedForward b = a.copy();
            FastFeedForward c = a.copy();
            FffTrainer.train(a, data[0], data[1], 300, o);
            FffTrainer.train(b, data[0], data[1], 300, o);
            FffTrainer.train(c, data[0], data[1], 300, o.withSeed(10));
            assertArrayEquals(a.wIn(), b.wIn(), 0f);
            assertArrayEquals(a.wOut(), b.wOut(), 0f);
            assertArrayEquals(a.bIn(), b.bIn(), 0f);
            assertArrayEquals(a.b2(), b.b2(), 0f);
            assertFalse(java.util.Arrays.equals(a.wOut(), c.wOut()), "another seed gave the same weights");
        }
    }

    @Test
    void anInterruptedRunResumesFromItsCheckpointExactly(@TempDir Path dir) throws Exception {
        Parallel.setThreads(2);
        float[][] data = teacherData(300, 6);
        for (FffTrainOptions.Routing routing : FffTrainOptions.Routing.values()) {
            Path ckpt = dir.resolve(routing + ".ckpt");
            FffTrainOptions o = FffTrainOptions.defaults(routing).withEpochs(3).withBatchSize(32).withSeed(4);
            FastFeedForward uninterrupted = FastFeedForward.random(2, 2, 8, 8, 2);
            FastFeedForward first = uninterrupted.copy();
            FastFeedForward resumed = uninterrupted.copy();
            FffTrainer.train(uninterrupted, data[0], data[1], 300, o);
            FffTrainer.train(first, data[0], data[1], 300, o.withCheckpoint(ckpt, 4), 13); // "killed" after step 13
            FffTrainer.train(resumed, data[0], data[1], 300, o.withCheckpoint(ckpt, 4)); // restarts from step 12
            assertArrayEquals(uninterrupted.wIn(), resumed.wIn(), 0f);
            assertArrayEquals(uninterrupted.wOut(), resumed.wOut(), 0f);
            assertArrayEquals(uninterrupted.bIn(), resumed.bIn(), 0f);
            assertArrayEquals(uninterrupted.b2(), resumed.b2(), 0f);
        }
    }

    @Test
    void geluGradientIsTheDerivativeOfGelu() {
        for (float l = -4f; l <= 4f; l += 0.37f) {
            double fd = (MathFunctions.gelu(l + 1e-3f) - MathFunctions.gelu(l - 1e-3f)) / 2e-3;
            assertTrue(Math.abs(fd - FffGradients.geluGrad(l)) < 1e-3, "GELU'(" + l + ")");
        }
    }
}
