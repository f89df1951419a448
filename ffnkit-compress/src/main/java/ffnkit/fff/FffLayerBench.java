package ffnkit.fff;

import ffnkit.kernels.Activation;
import ffnkit.kernels.Parallel;
import ffnkit.model.DenseFeedForward;
import ffnkit.model.DenseLinear;
import jdk.incubator.vector.FloatVector;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Layer benchmark: the dense FFN (our GEMM) against the CMM kernel of a random FFF of the same
 * input/output width, measured honestly, i.e. against the traps of the paper's public benchmark:
 * every token has its own random input row and small batches rotate over distinct batches (nothing is
 * cache-hot by construction), the kernel
 * output is checked against {@link FastFeedForwardReference} in the same run, time is wall clock
 * with both sides on the same thread count, the median of several repetitions after a warm-up.
 */
public final class FffLayerBench {

    /**
     * One row of the table. maxAbsError: largest |kernel - reference| over tokens whose routing is
     * not a near tie; nearTieFlips: tokens that took another branch at a near tie (rounding, see
     * the reference); neuronsPerToken: K·(D+1) of the K·n neurons.
     */
    public record Result(String fff, int tokens, double denseMs, double fffMs, double speedup, int neuronsPerToken,
                         double maxAbsError, int nearTieFlips) {
    }

    private FffLayerBench() {
    }

    /** One tree shape; see {@link #run(int, int, List, int[], int, int, long)}. */
    public static List<Result> run(int d, int width, int trees, int depth, int[] tokens, int threads, int repetitions) {
        return run(d, width, List.of(new int[] {trees, depth}), tokens, threads, repetitions, 1);
    }

    /**
     * Dense FFN d -> width -> d (GELU) with random weights against random FFFs of each shape
     * {trees, depth}, for each token count. The dense time of a token count is measured once and
     * shared by all shapes.
     */
    public static List<Result> run(int d, int width, List<int[]> shapes, int[] tokens, int threads, int repetitions,
                                   long seed) {
        Parallel.setThreads(threads);
        Random r = new Random(seed);
        DenseFeedForward dense = new DenseFeedForward(
                new DenseLinear(gaussian(r, d * width, 1 / Math.sqrt(d)), d, width, gaussian(r, width, 0.1)),
                Activation.GELU,
                new DenseLinear(gaussian(r, width * d, 1 / Math.sqrt(width)), width, d, gaussian(r, d, 0.1)));
        List<FastFeedForward> fffs = new ArrayList<>();
        for (int[] s : shapes) {
            fffs.add(FastFeedForward.random(s[0], s[1], d, d, seed + 31L * s[0] + s[1]));
        }
        List<Result> results = new ArrayList<>();
        for (int rows : tokens) {
            // Small batches rotate over several distinct input batches (>= 4096 rows in all), so that
            // repeated calls do not find the same path's weight rows hot in cache: a real encoder
            // calls a layer with new tokens every time.
            int batches = Math.max(1, Math.min(64, 4096 / Math.max(1, rows)));
            float[][] xs = new float[batches][];
            for (int b = 0; b < batches; b++) {
                xs[b] = gaussian(r, rows * d, 1.0);
            }
            float[] out = new float[rows * d];
            int[] next = {0};
            double denseMs = medianMs(() -> dense.forward(xs[next[0]++ % batches], rows, out), repetitions);
            for (int i = 0; i < fffs.size(); i++) {
                FastFeedForward f = fffs.get(i);
                double fffMs = medianMs(() -> f.forward(xs[next[0]++ % batches], rows, out), repetitions);
                f.forward(xs[0], rows, out);
                float[] ref = new float[rows * d];
                float[] margin = new float[rows];
                FastFeedForwardReference.forward(f, xs[0], rows, ref, margin);
                float[] err = compare(out, ref, margin, rows, d);
                results.add(new Result(f.trees() + "x" + f.depth(), rows, denseMs, fffMs, denseMs / fffMs,
                        f.neuronsPerToken(), err[0], (int) err[1]));
            }
        }
        return results;
    }

    /**
     * {max |got - ref| over tokens without a near-tie flip, number of flipped tokens}. A token is
     * counted as flipped (not as an error) only when its reference routing margin is below 2·d·u
     * and its output differs by more than 1e-5·(1+|ref|), i.e. when a different summation order
     * can legitimately send it down the other branch.
     */
    static float[] compare(float[] got, float[] ref, float[] margin, int rows, int d) {
        float maxErr = 0;
        int flips = 0;
        float tieBound = 2f * (d + 1) * 0x1p-24f;
        for (int t = 0; t < rows; t++) {
            float tokenErr = 0;
            boolean beyond = false;
            for (int j = 0; j < d; j++) {
                float e = Math.abs(got[t * d + j] - ref[t * d + j]);
                tokenErr = Math.max(tokenErr, e);
                beyond |= !(e <= 1e-5f * (1 + Math.abs(ref[t * d + j])));
            }
            if (beyond && margin[t] < tieBound) {
                flips++;
            } else {
                maxErr = Math.max(maxErr, tokenErr);
            }
        }
        return new float[] {maxErr, flips};
    }

    /**
     * Warm-up time per measured kernel (override: -Dffnkit.bench.warmupMs=N). 1 s was too short on
     * the shared 2-core machine: with the compiler threads competing for the cores, the CMM kernel's
     * several vector methods reached C2 only after 2-3 s at 128-1024 tokens (calls 20-30x slower
     * until then), so the median measured the JIT rather than the kernel.
     */
    private static final long WARMUP_NANOS = Long.getLong("ffnkit.bench.warmupMs", 3000) * 1_000_000L;

    /**
     * Median wall-clock ms of one call. Warm-up: at least 2 calls and {@link #WARMUP_NANOS}, so that
     * C2 has compiled the Vector API loops (interpreted or C1 code is 100x slower and would measure
     * the JIT, not the kernel). Calls under 1 ms are timed in batches of at least 1 ms and divided, so the clock
     * resolution and call overhead do not dominate the 1-token case.
     */
    private static double medianMs(Runnable body, int repetitions) {
        long warmStart = System.nanoTime();
        long one = Long.MAX_VALUE;
        for (int i = 0; i < 2 || System.nanoTime() - warmStart < WARMUP_NANOS; i++) {
            long t0 = System.nanoTime();
            body.run();
            one = Math.min(one, System.nanoTime() - t0);
        }
        int batch = (int) Math.max(1, Math.min(100_000, 1_000_000L / Math.max(1, one)));
        double[] ms = new double[Math.max(1, repetitions)];
        for (int i = 0; i < ms.length; i++) {
            long t0 = System.nanoTime();
            for (int b = 0; b < batch; b++) {
                body.run();
            }
            ms[i] = (System.nanoTime() - t0) / 1e6 / batch;
        }
        Arrays.sort(ms);
        return ms.length % 2 == 1 ? ms[ms.length / 2] : (ms[ms.length / 2 - 1] + ms[ms.length / 2]) / 2;
    }

    private static float[] gaussian(Random r, int n, double std) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (r.nextGaussian() * std);
        }
        return a;
    }

    public static String species() {
        return FloatVector.SPECIES_PREFERRED.toString();
    }

    public static String toJson(List<Result> results, int d, int width, int threads) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "{\"d\":%d,\"width\":%d,\"threads\":%d,\"species\":\"%s\",\"results\":[",
                d, width, threads, species()));
        for (int i = 0; i < results.size(); i++) {
            Result x = results.get(i);
            sb.append(String.format(Locale.ROOT, "%s{\"fff\":\"%s\",\"tokens\":%d,\"dense_ms\":%.4f,\"fff_ms\":%.4f,"
                            + "\"speedup\":%.2f,\"neurons_per_token\":%d,\"max_abs_error\":%.3g,\"near_tie_flips\":%d}",
                    i == 0 ? "" : ",", x.fff(), x.tokens(), x.denseMs(), x.fffMs(), x.speedup(), x.neuronsPerToken(),
                    x.maxAbsError(), x.nearTieFlips()));
        }
        return sb.append("]}").toString();
    }

    public static String toTable(List<Result> results) {
        StringBuilder sb = new StringBuilder(
                "| FFF | tokens | dense ms | FFF ms | speedup | neurons/token | max abs err | near-tie flips |\n"
                        + "|---|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Result x : results) {
            sb.append(String.format(Locale.ROOT, "| %s | %d | %.3f | %.3f | %.1fx | %d | %.2g | %d |%n", x.fff(),
                    x.tokens(), x.denseMs(), x.fffMs(), x.speedup(), x.neuronsPerToken(), x.maxAbsError(),
                    x.nearTieFlips()));
        }
        return sb.toString();
    }

    /**
     * {@code FffLayerBench [--d 768] [--width 3072] [--fff 1x11[,4x8...]] [--tokens 1,128,1024,16384]
     * [--threads N] [--reps 5] [--seed 1] [--json]}
     */
    public static void main(String[] args) {
        int d = 768;
        int width = 3072;
        String fff = "1x11";
        String tokens = "1,128,1024,16384";
        int threads = Runtime.getRuntime().availableProcessors();
        int reps = 5;
        long seed = 1;
        boolean json = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--d" -> d = Integer.parseInt(args[++i]);
                case "--width" -> width = Integer.parseInt(args[++i]);
                case "--fff" -> fff = args[++i];
                case "--tokens" -> tokens = args[++i];
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                case "--reps" -> reps = Integer.parseInt(args[++i]);
                case "--seed" -> seed = Long.parseLong(args[++i]);
                case "--json" -> json = true;
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        List<int[]> shapes = new ArrayList<>();
        for (String s : fff.split(",")) {
            String[] kd = s.trim().split("x");
            shapes.add(new int[] {Integer.parseInt(kd[0]), Integer.parseInt(kd[1])});
        }
        int[] counts = Arrays.stream(tokens.split(",")).map(String::trim).mapToInt(Integer::parseInt).toArray();
        List<Result> results = run(d, width, shapes, counts, threads, reps, seed);
        if (json) {
            System.out.println(toJson(results, d, width, threads));
        } else {
            System.out.printf("d=%d width=%d threads=%d species=%s reps=%d (median, wall clock)%n", d, width, threads,
                    species(), reps);
            System.out.print(toTable(results));
        }
        Parallel.shared().close();
    }
}
