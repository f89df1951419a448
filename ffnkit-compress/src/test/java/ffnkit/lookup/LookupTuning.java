package ffnkit.lookup;

import ffnkit.kernels.Parallel;

import java.util.Locale;

/**
 * Manual tuning harness (not a test): times the two kernel phases (minimum wall clock of 7 calls)
 * for several tilings. Args: rows h d threads [tokenBlock tableGroup]...; -Dbf16=true rounds the
 * tables to bf16 first (the kernel then stores them as bf16); -Dparts=true also times the hash
 * phase's block matmuls and Hadamard levels alone; -Dcpu=true (threads 1) uses thread CPU time.
 */
public final class LookupTuning {
    private static final java.lang.management.ThreadMXBean MX = java.lang.management.ManagementFactory.getThreadMXBean();
    /** -Dcpu=true with threads 1: the thread's CPU time (steadier on a shared machine). */
    private static final boolean CPU = Boolean.getBoolean("cpu");

    private static long now() {
        return CPU ? MX.getCurrentThreadCpuTime() : System.nanoTime();
    }

    public static void main(String[] args) {
        int rows = Integer.parseInt(args[0]);
        int h = Integer.parseInt(args[1]);
        int d = Integer.parseInt(args[2]);
        Parallel.setThreads(Integer.parseInt(args[3]));
        LookupFeedForward layer = LookupFeedForward.random(LookupShape.bh4(d, d, h, 8), 1, 0.05f);
        if (Boolean.getBoolean("bf16")) {
            layer = layer.withBf16Tables();
        }
        LookupKernel k = new LookupKernel(layer);
        float[] x = LookupKernelTest.randomInputs(rows, d, 3);
        float[] out = new float[rows * d];
        float[] scores = new float[rows * h];
        int[] offsets = new int[rows * h];
        for (int i = 0; i < 10; i++) {
            k.hash(x, rows, scores, offsets);
        }
        int n = 7;
        long best = Long.MAX_VALUE;
        for (int i = 0; i < n; i++) {
            long w0 = now();
            k.hash(x, rows, scores, offsets);
            best = Math.min(best, now() - w0);
        }
        System.out.printf(Locale.ROOT, "hash %.2f ms (min of %d)%n", best / 1e6, n);
        if (Boolean.getBoolean("parts")) {
            parts(layer, rows);
        }
        for (int a = 4; a + 1 < args.length; a += 2) {
            LookupKernel.Tiling t = new LookupKernel.Tiling(Integer.parseInt(args[a]), Integer.parseInt(args[a + 1]));
            for (int i = 0; i < 10; i++) {
                k.gatherAdd(scores, offsets, rows, out, t);
            }
            long gbest = Long.MAX_VALUE;
            for (int i = 0; i < n; i++) {
                long gw = now();
                k.gatherAdd(scores, offsets, rows, out, t);
                gbest = Math.min(gbest, now() - gw);
            }
            System.out.printf(Locale.ROOT, "gather %s %.2f ms (min of %d)%n", t, gbest / 1e6, n);
        }
        Parallel.shared().close();
    }

    /** Single-thread times of the hash phase's pieces on the same amount of work as {@code rows} tokens. */
    private static void parts(LookupFeedForward layer, int rows) {
        LookupShape s = layer.shape();
        int tile = LookupKernel.TILE;
        int p = s.paddedDim();
        int b = s.block();
        int tiles = rows / tile;
        float[] wt = new float[b * b];
        float[] v = LookupKernelTest.randomInputs(p * tile / s.inputDim() + 1, s.inputDim(), 5);
        v = java.util.Arrays.copyOf(v, p * tile);
        float[] u = new float[p * tile];
        for (int rep = 0; rep < 3; rep++) {
            long t0 = now();
            for (int t = 0; t < tiles; t++) {
                for (int st = 0; st < s.repeats() * Bh4.STAGES; st++) {
                    for (int blk = 0; blk < p; blk += b) {
                        LookupKernel.matTile(wt, 0, b, b, v, blk * tile, u, blk * tile);
                    }
                }
            }
            long t1 = now();
            for (int t = 0; t < tiles; t++) {
                for (int st = 0; st < s.repeats() * Bh4.STAGES; st++) {
                    for (int blk = 0; blk < p; blk += b) {
                        Hadamard.levelsColumns(u, blk * tile, b, tile, 1, b);
                    }
                    Hadamard.levelsColumns(u, 0, p, tile, b, p);
                }
            }
            long t2 = now();
            System.out.printf(Locale.ROOT, "parts: block matmuls %.2f ms, Hadamard levels %.2f ms%n", (t1 - t0) / 1e6,
                    (t2 - t1) / 1e6);
        }
    }
}
