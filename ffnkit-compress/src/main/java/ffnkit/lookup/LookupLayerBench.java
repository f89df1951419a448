package ffnkit.lookup;

import ffnkit.kernels.Activation;
import ffnkit.kernels.Parallel;
import ffnkit.model.DenseFeedForward;
import ffnkit.model.DenseLinear;
import jdk.incubator.vector.FloatVector;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Layer benchmark: our dense FFN (d x width, GELU, {@link DenseFeedForward} on the shared GEMM)
 * against a LookupFFN layer (d -> h tables of 2^tau rows of d floats) on the same random inputs,
 * different for every token, with the same thread count. Wall clock, median over repetitions after
 * warm-up. The lookup output of every run is checked against {@link LookupFeedForwardReference} in
 * the same run (on up to {@value #CHECK_ROWS} rows spread over the batch: the scalar reference
 * needs about a millisecond per token).
 */
public final class LookupLayerBench {

    static final int CHECK_ROWS = 2048;

    public record Config(int d, int width, int tables, int bits, LookupShape.ProjectionKind projection, int blockSize,
                         int[] tokens, int threads, int repetitions, int warmup, long seed, boolean cpuTime,
                         boolean bf16Tables) {

        public Config {
            if (cpuTime && threads != 1) {
                throw new IllegalArgumentException("CPU-time measurement needs --threads 1 (summing the CPU time of"
                        + " several threads would hide their waiting)");
            }
        }

        public static Config of(int d, int width, int tables, int bits, int[] tokens, int threads) {
            return new Config(d, width, tables, bits, LookupShape.ProjectionKind.BH4, 64, tokens, threads, 5, 2, 42,
                    false, false);
        }
    }

    private static final java.lang.management.ThreadMXBean MX = java.lang.management.ManagementFactory.getThreadMXBean();

    /**
     * Wall clock, or with cpuTime (single thread only) the calling thread's CPU time: on a shared,
     * overloaded machine that removes the time the thread waits descheduled, which otherwise
     * dominates and varies between calls. It does not remove cache pollution by co-runners.
     */
    private static long now(boolean cpuTime) {
        return cpuTime ? MX.getCurrentThreadCpuTime() : System.nanoTime();
    }

    /**
     * One token count. maxAbsError: largest |kernel - reference| on the checked rows; maxAbsOutput:
     * the largest |reference| there, for scale; checkedRows: how many rows were compared.
     */
    public record Result(int tokens, double denseMs, double lookupMs, double speedup, long flopsPerTokenDense,
                         long flopsPerTokenLookup, double maxAbsError, double maxAbsOutput, int checkedRows) {
    }

    private LookupLayerBench() {
    }

    private interface FfnRunner {
        void forward(float[] x, int rows, float[] out);
    }

    public static List<Result> run(Config c, PrintStream log) {
        Parallel.setThreads(c.threads());
        SplittableRandom rnd = new SplittableRandom(c.seed());
        DenseFeedForward dense = randomDense(c.d(), c.width(), rnd);
        LookupShape shape = new LookupShape(c.d(), c.d(), c.tables(), c.bits(), c.projection(), c.blockSize());
        // table scale such that the output has roughly unit size, like a trained FFN's
        LookupFeedForward lookup = LookupFeedForward.random(shape, rnd.nextLong(), 0.05f);
        if (c.bf16Tables()) {
            // the rounded tables are the layer's definition: the reference below uses them too
            lookup = lookup.withBf16Tables();
        }
        LookupFeedForwardReference reference = new LookupFeedForwardReference(lookup);
        int maxTokens = Arrays.stream(c.tokens()).max().orElse(0);
        float[] xAll = new float[maxTokens * c.d()];
        for (int i = 0; i < xAll.length; i++) {
            xAll[i] = (float) LookupFeedForward.gaussian(rnd);
        }
        // JIT warm-up on a mid-size batch first: on a loaded 2-core machine C2 needs seconds, and a
        // 1-token batch alone would be timed in interpreted Vector API code
        int warmTokens = Math.min(maxTokens, 1024);
        float[] xw = Arrays.copyOf(xAll, warmTokens * c.d());
        float[] yw = new float[warmTokens * c.d()];
        for (FfnRunner f : new FfnRunner[] {dense::forward, lookup::forward}) {
            long start = System.nanoTime();
            for (int i = 0; i < 5 || System.nanoTime() - start < 3_000_000_000L; i++) {
                f.forward(xw, warmTokens, yw);
            }
        }
        List<Result> results = new ArrayList<>();
        for (int tokens : c.tokens()) {
            float[] x = Arrays.copyOf(xAll, tokens * c.d());
            float[] yDense = new float[tokens * c.d()];
            float[] yLookup = new float[tokens * c.d()];
            // at least `warmup` calls and half a second each, so small batches run JIT-compiled code too
            long warmStart = System.nanoTime();
            for (int i = 0; i < c.warmup() || System.nanoTime() - warmStart < 500_000_000L; i++) {
                dense.forward(x, tokens, yDense);
            }
            warmStart = System.nanoTime();
            for (int i = 0; i < c.warmup() || System.nanoTime() - warmStart < 500_000_000L; i++) {
                lookup.forward(x, tokens, yLookup);
            }
            double[] denseMs = new double[c.repetitions()];
            double[] lookupMs = new double[c.repetitions()];
            for (int rep = 0; rep < c.repetitions(); rep++) {
                // interleaved, so that drift in machine load hits both alike
                long t0 = now(c.cpuTime());
                dense.forward(x, tokens, yDense);
                long t1 = now(c.cpuTime());
                lookup.forward(x, tokens, yLookup);
                long t2 = now(c.cpuTime());
                denseMs[rep] = (t1 - t0) / 1e6;
                lookupMs[rep] = (t2 - t1) / 1e6;
            }
            double[] check = check(reference, x, tokens, c.d(), yLookup);
            Result r = new Result(tokens, median(denseMs), median(lookupMs), median(denseMs) / median(lookupMs),
                    dense.flopsPerToken(), lookup.flopsPerToken(), check[0], check[1], (int) check[2]);
            if (log != null) {
                log.printf(Locale.ROOT, "tokens %6d  dense %10.3f ms  lookup %10.3f ms  speedup %6.2fx  max|err| %.2e"
                                + " (max|y| %.2f, %d rows)%n", r.tokens(), r.denseMs(), r.lookupMs(), r.speedup(),
                        r.maxAbsError(), r.maxAbsOutput(), r.checkedRows());
            }
            results.add(r);
        }
        return results;
    }

    private static double[] check(LookupFeedForwardReference reference, float[] x, int tokens, int d, float[] y) {
        int rows = Math.min(tokens, CHECK_ROWS);
        float[] xr = new float[d];
        float[] yr = new float[d];
        double err = 0;
        double max = 0;
        for (int i = 0; i < rows; i++) {
            int t = (int) ((long) i * tokens / rows);
            System.arraycopy(x, t * d, xr, 0, d);
            reference.forward(xr, 1, yr);
            for (int j = 0; j < d; j++) {
                err = Math.max(err, Math.abs(yr[j] - y[t * d + j]));
                max = Math.max(max, Math.abs(yr[j]));
            }
        }
        return new double[] {err, max, rows};
    }

    static DenseFeedForward randomDense(int d, int width, SplittableRandom rnd) {
        float[] w1 = new float[d * width];
        float[] w2 = new float[width * d];
        float[] b1 = new float[width];
        float[] b2 = new float[d];
        double s1 = 1 / Math.sqrt(d);
        double s2 = 1 / Math.sqrt(width);
        for (int i = 0; i < w1.length; i++) {
            w1[i] = (float) (LookupFeedForward.gaussian(rnd) * s1);
            w2[i] = (float) (LookupFeedForward.gaussian(rnd) * s2);
        }
        for (int i = 0; i < width; i++) {
            b1[i] = (float) (0.1 * LookupFeedForward.gaussian(rnd));
        }
        return new DenseFeedForward(new DenseLinear(w1, d, width, b1), Activation.GELU, new DenseLinear(w2, width, d, b2));
    }

    private static double median(double[] a) {
        double[] s = a.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    /** "bf16" -> true, "f32" -> false: the --table-format flag. */
    public static boolean parseTableFormat(String s) {
        return switch (s.trim().toLowerCase(Locale.ROOT)) {
            case "bf16" -> true;
            case "f32" -> false;
            default -> throw new IllegalArgumentException("--table-format must be f32 or bf16, got '" + s + "'");
        };
    }

    public static String species() {
        return FloatVector.SPECIES_PREFERRED.toString();
    }

    public static String toJson(Config c, List<Result> results) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "{\"d\":%d,\"width\":%d,\"tables\":%d,\"bits\":%d,\"projection\":\"%s\","
                        + "\"block\":%d,\"table_format\":\"%s\",\"threads\":%d,\"repetitions\":%d,\"species\":\"%s\",\"timing\":\"%s\",\"results\":[",
                c.d(), c.width(), c.tables(), c.bits(), c.projection().name().toLowerCase(Locale.ROOT), c.blockSize(),
                c.bf16Tables() ? "bf16" : "f32",
                c.threads(), c.repetitions(), FloatVector.SPECIES_PREFERRED.length() * 32 + "-bit",
                c.cpuTime() ? "thread_cpu" : "wall"));
        for (int i = 0; i < results.size(); i++) {
            Result r = results.get(i);
            sb.append(i == 0 ? "" : ",").append(String.format(Locale.ROOT,
                    "{\"tokens\":%d,\"dense_ms\":%.4f,\"lookup_ms\":%.4f,\"speedup\":%.3f,\"flops_per_token_dense\":%d,"
                            + "\"flops_per_token_lookup\":%d,\"max_abs_error\":%.3e,\"max_abs_output\":%.4f,"
                            + "\"checked_rows\":%d}",
                    r.tokens(), r.denseMs(), r.lookupMs(), r.speedup(), r.flopsPerTokenDense(), r.flopsPerTokenLookup(),
                    r.maxAbsError(), r.maxAbsOutput(), r.checkedRows()));
        }
        return sb.append("]}").toString();
    }

    public static String toMarkdown(List<Result> results) {
        StringBuilder sb = new StringBuilder(
                "| tokens | dense ms | lookup ms | speedup | FLOPs/token dense | FLOPs/token lookup | FLOP ratio | max abs err (max abs y) |\n"
                        + "|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Result r : results) {
            sb.append(String.format(Locale.ROOT, "| %d | %.3f | %.3f | %.2fx | %,d | %,d | %.2fx | %.1e (%.2f) |%n",
                    r.tokens(), r.denseMs(), r.lookupMs(), r.speedup(), r.flopsPerTokenDense(), r.flopsPerTokenLookup(),
                    (double) r.flopsPerTokenDense() / r.flopsPerTokenLookup(), r.maxAbsError(), r.maxAbsOutput()));
        }
        return sb.toString();
    }

    /**
     * {@code --d 512 --width 2048 --lookup 128x8 [--projection bh4|dense] [--block 64]
     * [--tokens 1,128,1024,32768] [--threads N] [--reps 5] [--warmup 2] [--json] [--cpu-time (needs --threads 1)]}
     */
    public static void main(String[] args) {
        int d = 512;
        int width = 2048;
        int h = 128;
        int tau = 8;
        int block = 64;
        LookupShape.ProjectionKind projection = LookupShape.ProjectionKind.BH4;
        int[] tokens = {1, 128, 1024, 32768};
        int threads = Runtime.getRuntime().availableProcessors();
        int reps = 5;
        int warmup = 2;
        boolean json = false;
        boolean cpuTime = false;
        boolean bf16 = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--d" -> d = Integer.parseInt(args[++i]);
                case "--width" -> width = Integer.parseInt(args[++i]);
                case "--lookup" -> {
                    String[] hx = args[++i].toLowerCase(Locale.ROOT).split("x");
                    h = Integer.parseInt(hx[0]);
                    tau = Integer.parseInt(hx[1]);
                }
                case "--projection" -> projection = LookupShape.ProjectionKind.valueOf(args[++i].toUpperCase(Locale.ROOT));
                case "--block" -> block = Integer.parseInt(args[++i]);
                case "--tokens" -> tokens = Arrays.stream(args[++i].split(",")).mapToInt(Integer::parseInt).toArray();
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                case "--reps" -> reps = Integer.parseInt(args[++i]);
                case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                case "--json" -> json = true;
                case "--cpu-time" -> cpuTime = true;
                case "--table-format" -> bf16 = parseTableFormat(args[++i]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        Config c = new Config(d, width, h, tau, projection, block, tokens, threads, reps, warmup, 42, cpuTime, bf16);
        System.err.printf(Locale.ROOT, "d %d width %d lookup %dx%d %s b %d tables %s threads %d species %s timing %s%n",
                d, width, h, tau, projection, block, bf16 ? "bf16" : "f32", threads, species(),
                cpuTime ? "thread CPU time" : "wall clock");
        List<Result> results = run(c, System.err);
        System.out.println(json ? toJson(c, results) : toMarkdown(results));
        Parallel.shared().close();
    }
}
