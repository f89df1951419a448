package ffnkit.model;

import ffnkit.kernels.Parallel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AttentionTest {

    private static final int DEFAULT_THREADS = Parallel.shared().threads();

    @AfterAll
    static void restoreThreads() {
        Parallel.setThreads(DEFAULT_THREADS);
    }

    /** The plain triple loop, in double: scores, softmax, weighted values per sequence and head. */
    static double[] reference(float[] qkv, int[] start, int[] len, int heads, int d) {
        int dh = d / heads;
        int stride = 3 * d;
        int tokens = start[start.length - 1] + len[len.length - 1];
        double[] ctx = new double[tokens * d];
        for (int s = 0; s < start.length; s++) {
            for (int h = 0; h < heads; h++) {
                for (int i = 0; i < len[s]; i++) {
                    double[] w = new double[len[s]];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < len[s]; j++) {
                        double dot = 0;
                        for (int c = 0; c < dh; c++) {
                            dot += (double) qkv[(start[s] + i) * stride + h * dh + c]
                                    * qkv[(start[s] + j) * stride + d + h * dh + c];
                        }
                        w[j] = dot / Math.sqrt(dh);
                        max = Math.max(max, w[j]);
                    }
                    double sum = 0;
                    for (int j = 0; j < len[s]; j++) {
                        w[j] = Math.exp(w[j] - max);
                        sum += w[j];
                    }
                    for (int c = 0; c < dh; c++) {
                        double acc = 0;
                        for (int j = 0; j < len[s]; j++) {
                            acc += w[j] / sum * qkv[(start[s] + j) * stride + 2 * d + h * dh + c];
                        }
                        ctx[(start[s] + i) * d + h * dh + c] = acc;
                    }
                }
            }
        }
        return ctx;
    }

    private static void check(int heads, int d, int[] len, int threads, float spread) {
        Parallel.setThreads(threads);
        int[] start = new int[len.length];
        int tokens = 0;
        for (int s = 0; s < len.length; s++) {
            start[s] = tokens;
            tokens += len[s];
        }
        Random rnd = new Random(17L * d + tokens);
        float[] qkv = new float[tokens * 3 * d];
        for (int i = 0; i < qkv.length; i++) {
            qkv[i] = (float) rnd.nextGaussian() * spread;
        }
        float[] ctx = new float[tokens * d];
        java.util.Arrays.fill(ctx, Float.NaN);
        Attention.forward(qkv, start, len, heads, d, ctx);
        double[] expected = reference(qkv, start, len, heads, d);
        // Outputs are convex combinations of values (|v| ~ spread); float scores carry a relative
        // error ~ dh·u·|q||k| which exp turns into that relative weight error, so 1e-5·spread·(1 + spread²)
        // covers it; a wrong key, head or sequence boundary moves outputs by O(spread).
        double tol = 1e-5 * spread * (1 + spread * spread);
        double worst = 0;
        for (int i = 0; i < ctx.length; i++) {
            assertEquals(expected[i], ctx[i], tol, "heads=" + heads + " d=" + d + " element " + i);
            worst = Math.max(worst, Math.abs(expected[i] - ctx[i]));
        }
        assertTrue(worst <= tol);
    }

    @Test
    void miniLmShapeWithMixedLengths() {
        check(12, 384, new int[] {128, 1, 7, 33, 64}, 2, 1f);
        check(12, 384, new int[] {5, 250}, 1, 1f);
    }

    @Test
    void oddHeadWidthsAndShortSequences() {
        // dh = 5 and 17: not multiples of the vector width, exercising the masked path.
        check(3, 15, new int[] {1, 2, 3, 4, 5, 9}, 2, 1f);
        check(2, 34, new int[] {31, 1, 40}, 1, 1f);
        check(1, 64, new int[] {100}, 2, 1f);
    }

    @Test
    void headsOfOneAndThreeVectorsAndQueryBlockEdges() {
        // Head widths of one and three whole vectors (the value pass takes two at a time); lengths
        // around two vectors of keys and the four-query blocks.
        int lanes = ffnkit.kernels.Simd.FLOAT.length();
        check(4, 4 * lanes, new int[] {2 * lanes - 1, 2 * lanes, 2 * lanes + 1, 3, 6}, 2, 1f);
        check(2, 6 * lanes, new int[] {4 * lanes + 3, 1}, 1, 1f);
    }

    @Test
    void sharpSoftmaxStaysStable() {
        // Large scores (|q·k|/√dh ~ 30): without max subtraction exp would overflow.
        check(2, 64, new int[] {20, 70}, 2, 3f);
    }
}
