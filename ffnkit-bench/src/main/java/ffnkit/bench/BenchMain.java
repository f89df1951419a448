package ffnkit.bench;

import ffnkit.kernels.Simd;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;

/**
 * {@code java --add-modules jdk.incubator.vector -jar ffnkit-bench/target/benchmarks.jar [REGEX...]
 * [-p name=v1,v2] [-wi N] [-i N] [-r SECONDS]}: runs the JMH benchmarks (all by default) and prints
 * GFLOP/s per GEMM shape as a fraction of the FMA peak measured in the same run. The forked JVMs get
 * this JVM's flags, so {@code -XX:UseAVX=2} or {@code -Dffnkit.simd.bits=256} before -jar carry over.
 * For plain JMH (any of its options): {@code java -cp benchmarks.jar org.openjdk.jmh.Main ...}.
 */
public final class BenchMain {

    private BenchMain() {
    }

    public static void main(String[] args) throws Exception {
        List<String> jvmArgs = new ArrayList<>(ManagementFactory.getRuntimeMXBean().getInputArguments());
        if (jvmArgs.stream().noneMatch(a -> a.contains("jdk.incubator.vector"))) {
            jvmArgs.add("--add-modules=jdk.incubator.vector");
        }
        ChainedOptionsBuilder o = new OptionsBuilder()
                .forks(1).warmupIterations(3).measurementIterations(5)
                .warmupTime(TimeValue.seconds(1)).measurementTime(TimeValue.seconds(1))
                .jvmArgs(jvmArgs.toArray(String[]::new));
        boolean included = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "-p" -> {
                    String[] kv = args[++i].split("=", 2);
                    o.param(kv[0], kv[1].split(","));
                }
                case "-wi" -> o.warmupIterations(Integer.parseInt(args[++i]));
                case "-i" -> o.measurementIterations(Integer.parseInt(args[++i]));
                case "-r" -> {
                    TimeValue t = TimeValue.milliseconds((long) (Double.parseDouble(args[++i]) * 1000));
                    o.measurementTime(t).warmupTime(t);
                }
                default -> {
                    o.include(args[i]);
                    included = true;
                }
            }
        }
        if (!included) {
            o.include("ffnkit\\.bench\\..*");
        }
        Collection<RunResult> results = new Runner(o.build()).run();
        report(results);
    }

    private static void report(Collection<RunResult> results) {
        double[] peak = new double[3];
        for (RunResult r : results) {
            if (r.getParams().getBenchmark().endsWith("FmaPeak.fma")) {
                int t = Integer.parseInt(r.getParams().getParam("threads"));
                peak[Math.min(t, 2)] = gflops(FmaPeak.flops(t), best(r));
            }
        }
        System.out.printf(Locale.ROOT, "%nffnkit kernel summary (species %s)%n", Simd.describe());
        for (int t = 1; t <= 2; t++) {
            if (peak[t] > 0) {
                System.out.printf(Locale.ROOT, "FMA peak, %d thread(s): %.1f GFLOP/s%n", t, peak[t]);
            }
        }
        System.out.println("(mean over iterations, and best iteration: on a shared machine the best is the "
                + "better estimate of what the code can do; peak is the best FMA-probe iteration)");
        System.out.printf(Locale.ROOT, "%-10s %6s %7s %10s %10s %10s %8s%n", "shape", "M", "threads", "ms", "GFLOP/s",
                "best GF/s", "of peak");
        for (RunResult r : results) {
            var p = r.getParams();
            if (p.getBenchmark().endsWith("GemmBench.matmul")) {
                String shape = p.getParam("shape");
                int m = Integer.parseInt(p.getParam("m"));
                int t = Integer.parseInt(p.getParam("threads"));
                long flops = 2L * m * GemmBench.k(shape) * GemmBench.n(shape);
                double g = gflops(flops, ms(r));
                double gb = gflops(flops, best(r));
                System.out.printf(Locale.ROOT, "%-10s %6d %7d %10.4f %10.1f %10.1f %8s%n", shape, m, t, ms(r), g, gb,
                        peak[Math.min(t, 2)] > 0 ? String.format(Locale.ROOT, "%.0f%%", 100 * gb / peak[Math.min(t, 2)]) : "-");
            } else if (p.getBenchmark().endsWith("EncoderBench.embed")) {
                int batch = Integer.parseInt(p.getParam("batch"));
                int seq = Integer.parseInt(p.getParam("seq"));
                System.out.printf(Locale.ROOT, "encoder MiniLM-shape batch %d x seq %d, %s thread(s): %.1f ms/batch "
                        + "(best %.1f), %.1f GFLOP/s%n", batch, seq, p.getParam("threads"), ms(r), best(r),
                        gflops(EncoderBench.flops(batch, seq), best(r)));
            }
        }
    }

    /** Mean time per op in ms, whatever mode and unit JMH ran in. */
    private static double ms(RunResult r) {
        return ms(r, r.getPrimaryResult().getScore());
    }

    /** Time per op in ms of the fastest measured iteration. */
    private static double best(RunResult r) {
        var stats = r.getPrimaryResult().getStatistics();
        boolean throughput = !r.getPrimaryResult().getScoreUnit().contains("/op");
        return ms(r, throughput ? stats.getMax() : stats.getMin());
    }

    private static double ms(RunResult r, double v) {
        var s = r.getPrimaryResult();
        String unit = s.getScoreUnit();
        boolean throughput = !unit.contains("/op");
        double perOp = throughput ? 1.0 / v : v;
        String time = throughput ? unit.substring(unit.indexOf('/') + 1) : unit.substring(0, unit.indexOf('/'));
        return switch (time) {
            case "s" -> perOp * 1e3;
            case "ms" -> perOp;
            case "us" -> perOp * 1e-3;
            case "ns" -> perOp * 1e-6;
            default -> throw new IllegalStateException("unexpected unit " + unit);
        };
    }

    private static double gflops(long flops, double ms) {
        return flops / (ms * 1e6);
    }
}
