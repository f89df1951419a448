package ffnkit.lookup;

import ffnkit.kernels.Parallel;
import ffnkit.model.DenseFeedForward;
import ffnkit.train.Parameter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LookupTrainerTest {

    @Test
    void scoreGradientMatchesFiniteDifferences() {
        SplittableRandom rnd = new SplittableRandom(4);
        int tau = 6;
        for (int trial = 0; trial < 50; trial++) {
            float[] z = new float[tau];
            for (int j = 0; j < tau; j++) {
                // keep |z| away from 0, where |.| has its kink
                z[j] = (float) ((rnd.nextBoolean() ? 1 : -1) * rnd.nextDouble(0.05, 2));
            }
            float[] grad = new float[tau];
            LookupMath.scoreGrad(z, 0, tau, 1f, grad, 0);
            for (int j = 0; j < tau; j++) {
                double eps = 1e-3;
                float[] a = z.clone();
                float[] b = z.clone();
                a[j] += (float) eps;
                b[j] -= (float) eps;
                double fd = (LookupMath.score(a, 0, tau) - LookupMath.score(b, 0, tau)) / (a[j] - b[j]);
                assertEquals(fd, grad[j], 2e-3 * Math.max(1, Math.abs(fd)), "trial " + trial + " j " + j);
            }
        }
    }

    @Test
    void bucketWeightIsTheScoreAtTheArgmaxAndItsGradientMatchesFiniteDifferences() {
        SplittableRandom rnd = new SplittableRandom(5);
        int tau = 5;
        for (int trial = 0; trial < 50; trial++) {
            float[] z = new float[tau];
            for (int j = 0; j < tau; j++) {
                z[j] = (float) ((rnd.nextBoolean() ? 1 : -1) * rnd.nextDouble(0.05, 2));
            }
            int argmax = LookupMath.code(z, 0, tau);
            assertEquals(LookupMath.score(z, 0, tau), LookupMath.bucketWeight(z, 0, tau, argmax), 0f);
            float[] g0 = new float[tau];
            float[] g1 = new float[tau];
            LookupMath.scoreGrad(z, 0, tau, 0.7f, g0, 0);
            LookupMath.bucketWeightGrad(z, 0, tau, argmax, 0.7f, g1, 0);
            assertArrayEquals(g0, g1, 0f);
            int c = rnd.nextInt(1 << tau); // any bucket, usually not the argmax
            float[] grad = new float[tau];
            LookupMath.bucketWeightGrad(z, 0, tau, c, 1f, grad, 0);
            for (int j = 0; j < tau; j++) {
                float[] a = z.clone();
                float[] b = z.clone();
                a[j] += 1e-3f;
                b[j] -= 1e-3f;
                double fd = (LookupMath.bucketWeight(a, 0, tau, c) - LookupMath.bucketWeight(b, 0, tau, c))
                        / (a[j] - b[j]);
                assertEquals(fd, grad[j], 2e-3 * Math.max(1, Math.abs(fd)), "trial " + trial + " code " + c + " j " + j);
            }
        }
        // the full soft sum over all buckets, sum_c w_c = sum_c l_c·p_c = E_p[l], is sum_j z_j·tanh(z_j)
        float[] z = {0.3f, -1.2f, 0.05f, 2f, -0.4f};
        double sum = 0;
        double expected = 0;
        for (int c = 0; c < 1 << tau; c++) {
            sum += LookupMath.bucketWeight(z, 0, tau, c);
        }
        for (float v : z) {
            expected += v * Math.tanh(v);
        }
        assertEquals(expected, sum, 1e-5);
    }

    /** Every parameter tensor's gradient against central differences of the loss, both projections. */
    @Test
    void lossGradientMatchesFiniteDifferences() {
        checkLossGradient(0);
    }

    /** The same with the soft relaxation: the argmax bucket plus 3 sampled ones per token and table. */
    @Test
    void softLossGradientMatchesFiniteDifferences() {
        checkLossGradient(3);
    }

    private static void checkLossGradient(int soft) {
        long seed = 77;
        for (LookupShape shape : new LookupShape[] {
                new LookupShape(12, 5, 4, 3, LookupShape.ProjectionKind.BH4, 4),
                new LookupShape(6, 5, 3, 3, LookupShape.ProjectionKind.DENSE, 4)}) {
            int rows = 20;
            float[] x = LookupKernelTest.randomInputs(rows, shape.inputDim(), 7);
            float[] target = LookupKernelTest.randomInputs(rows, shape.outputDim(), 8);
            LookupFeedForward init = LookupFeedForward.random(shape, 9, 0.5f);
            LookupTrainer trainer = new LookupTrainer(init);
            trainer.parameters().forEach(Parameter::zeroGrad);
            trainer.lossAndGradient(x, target, null, 0, rows, soft, seed);
            int[] buckets = trainer.lastRows.clone();
            if (soft > 0) {
                long extra = Arrays.stream(buckets).filter(r -> r >= 0).count() - (long) rows * shape.tables();
                assertTrue(extra > rows * shape.tables() / 2, "only " + extra + " sampled buckets were kept");
            }
            SplittableRandom rnd = new SplittableRandom(10);
            int checked = 0;
            // the loss evaluations below accumulate into the gradients again: keep the first ones
            List<float[]> analyticGrads = trainer.parameters().stream().map(q -> q.grad().clone()).toList();
            for (int pi = 0; pi < trainer.parameters().size(); pi++) {
                Parameter p = trainer.parameters().get(pi);
                float[] analytic = analyticGrads.get(pi);
                for (int trial = 0; trial < 25; trial++) {
                    int i = rnd.nextInt(p.value().length);
                    float orig = p.value()[i];
                    float eps = 2e-3f;
                    p.value()[i] = orig + eps;
                    double up = trainer.lossAndGradient(x, target, null, 0, rows, soft, seed);
                    boolean sameBuckets = Arrays.equals(buckets, trainer.lastRows);
                    p.value()[i] = orig - eps;
                    double down = trainer.lossAndGradient(x, target, null, 0, rows, soft, seed);
                    sameBuckets &= Arrays.equals(buckets, trainer.lastRows);
                    p.value()[i] = orig;
                    if (!sameBuckets) {
                        continue; // a sign bit or a draw flipped: the loss jumps, no derivative there
                    }
                    double fd = (up - down) / (2 * eps);
                    assertEquals(fd, analytic[i], 2e-2 * Math.abs(fd) + 2e-4,
                            shape.projection() + " soft " + soft + " " + p.name() + "[" + i + "]");
                    checked++;
                }
            }
            assertTrue(checked > 80, "only " + checked + " coordinates checked");
        }
    }

    static double relativeError(LookupFeedForward f, float[] x, float[] y, int rows) {
        float[] out = new float[rows * f.outputDim()];
        f.forward(x, rows, out);
        double num = 0;
        double den = 0;
        for (int i = 0; i < out.length; i++) {
            num += (double) (out[i] - y[i]) * (out[i] - y[i]);
            den += (double) y[i] * y[i];
        }
        return Math.sqrt(num / den);
    }

    /**
     * Learns y = FFN(x) of a random dense GELU FFN (16 -> 64 -> 16) from 4096 samples. Bound: the
     * held-out relative error ||y_hat - y||/||y|| falls below 0.5 (an untrained layer with zero
     * tables sits at 1.0), and the training loss falls by 4x.
     */
    @Test
    void learnsASyntheticRegression() {
        learnSyntheticRegression(0);
    }

    /** The soft relaxation (argmax + 2 sampled buckets) in training; the argmax layer is evaluated. */
    @Test
    void learnsASyntheticRegressionWithTheSoftRelaxation() {
        learnSyntheticRegression(2);
    }

    private static void learnSyntheticRegression(int soft) {
        int d = 16;
        int train = 4096;
        int test = 1024;
        DenseFeedForward teacher = LookupLayerBench.randomDense(d, 64, new SplittableRandom(11));
        float[] x = LookupKernelTest.randomInputs(train + test, d, 12);
        float[] y = new float[(train + test) * d];
        teacher.forward(x, train + test, y);
        LookupShape shape = new LookupShape(d, d, 32, 4, LookupShape.ProjectionKind.BH4, 8);
        LookupTrainer trainer = new LookupTrainer(LookupFeedForward.random(shape, 13, 0f));
        List<Double> history = trainer.train(x, y, train, LookupTrainer.Options.of(20, 64, 3e-3f, 14)
                .withSoftBuckets(soft));
        float[] xt = Arrays.copyOfRange(x, train * d, (train + test) * d);
        float[] yt = Arrays.copyOfRange(y, train * d, (train + test) * d);
        double before = relativeError(LookupFeedForward.random(shape, 13, 0f), xt, yt, test);
        double after = relativeError(trainer.model(), xt, yt, test);
        System.out.printf("synthetic regression (soft buckets " + soft + "): loss %s, held-out relative error %.3f -> %.3f%n", history, before, after);
        assertEquals(1.0, before, 1e-6);
        assertTrue(after < 0.5, "held-out relative error " + after);
        assertTrue(history.get(history.size() - 1) < history.get(0) / 4, "loss " + history);
    }

    @Test
    void trainingIsDeterministicAcrossThreadCountsAndResumesFromCheckpoints(@TempDir Path dir) {
        LookupShape shape = new LookupShape(12, 6, 6, 4, LookupShape.ProjectionKind.BH4, 4);
        float[] x = LookupKernelTest.randomInputs(300, 12, 15);
        float[] y = LookupKernelTest.randomInputs(300, 6, 16);
        LookupFeedForward init = LookupFeedForward.random(shape, 17, 0.1f);
        float[][] results = new float[3][];
        for (int run = 0; run < 3; run++) {
            Parallel.setThreads(run == 0 ? 1 : 2);
            LookupTrainer t = new LookupTrainer(init);
            if (run == 2) {
                // interrupted after 2 epochs, then resumed by a fresh trainer from the checkpoint
                Path ck = dir.resolve("ck.bin");
                t.train(x, y, 300, new LookupTrainer.Options(2, 32, 1e-2f, 18, ck, false));
                t = new LookupTrainer(init);
                t.train(x, y, 300, new LookupTrainer.Options(4, 32, 1e-2f, 18, ck, false));
            } else {
                t.train(x, y, 300, LookupTrainer.Options.of(4, 32, 1e-2f, 18));
            }
            results[run] = t.model().tables().clone();
            float[] pw = t.model().projectionWeight();
            results[run] = Arrays.copyOf(results[run], results[run].length + pw.length);
            System.arraycopy(pw, 0, results[run], results[run].length - pw.length, pw.length);
        }
        assertTrue(!Arrays.equals(results[0], init.tables()), "training changed nothing");
        assertArrayEquals(results[0], results[1], 0f);
        assertArrayEquals(results[0], results[2], 0f);
    }
}
