package ffnkit.lookup;

import ffnkit.kernels.Parallel;

import java.util.Locale;

/** Manual tuning harness (not a test): times the two kernel phases for several tilings. */
public final class LookupTuning {
    public static void main(String[] args) {
        int rows = Integer.parseInt(args[0]);
        int h = Integer.parseInt(args[1]);
        int d = Integer.parseInt(args[2]);
        Parallel.setThreads(Integer.parseInt(args[3]));
        LookupFeedForward layer = LookupFeedForward.random(LookupShape.bh4(d, d, h, 8), 1, 0.05f);
        LookupKernel k = new LookupKernel(layer);
        float[] x = LookupKernelTest.randomInputs(rows, d, 3);
        float[] out = new float[rows * d];
        float[] scores = new float[rows * h];
        int[] offsets = new int[rows * h];
        for (int i = 0; i < 10; i++) {
            k.hash(x, rows, scores, offsets);
        }
        java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
        long t0 = mx.getCurrentThreadCpuTime();
        int n = 3;
        for (int i = 0; i < n; i++) {
            k.hash(x, rows, scores, offsets);
        }
        System.out.printf(Locale.ROOT, "hash %.2f ms%n", (mx.getCurrentThreadCpuTime() - t0) / 1e6 / n);
        for (int a = 4; a + 2 < args.length; a += 3) {
            LookupKernel.Tiling t = new LookupKernel.Tiling(Integer.parseInt(args[a]), Integer.parseInt(args[a + 1]),
                    Integer.parseInt(args[a + 2]));
            for (int i = 0; i < 10; i++) {
                k.gatherAdd(scores, offsets, rows, out, t);
            }
            long g0 = mx.getCurrentThreadCpuTime();
            for (int i = 0; i < n; i++) {
                k.gatherAdd(scores, offsets, rows, out, t);
            }
            System.out.printf(Locale.ROOT, "gather %s %.2f ms%n", t, (mx.getCurrentThreadCpuTime() - g0) / 1e6 / n);
        }
        Parallel.shared().close();
    }
}
