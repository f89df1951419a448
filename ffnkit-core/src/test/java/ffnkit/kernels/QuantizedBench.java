package ffnkit.kernels;

import ffnkit.model.DenseLinear;
import ffnkit.model.Linear;
import ffnkit.model.QuantizedLinear;

import java.util.Random;

/**
 * Latency of one FFN-sized layer, dense float vs weight-only quantised, at small row counts
 * (batch 1: one sentence of a few tokens, where reading the weights dominates). Not a test:
 * run with {@code java -cp ... ffnkit.kernels.QuantizedBench [threads]} under the bench lock.
 */
public final class QuantizedBench {

    public static void main(String[] args) {
        int threads = args.length > 0 ? Integer.parseInt(args[0]) : 1;
        Parallel.setThreads(threads);
        Random r = new Random(1);
        System.out.printf("threads %d, vector %d floats%n", threads, jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.length());
        System.out.println("layer        rows  dense_us  q8_us  q4_us  q3_us  (median of 200 after warm-up)");
        for (int[] shape : new int[][] {{384, 1536}, {1536, 384}}) {
            int in = shape[0];
            int out = shape[1];
            float[] w = new float[in * out];
            for (int i = 0; i < w.length; i++) {
                w[i] = (float) r.nextGaussian();
            }
            Linear dense = new DenseLinear(w, in, out, new float[out]);
            Linear[] q = {quantized(r, in, out, 8), quantized(r, in, out, 4), quantized(r, in, out, 3)};
            for (int rows : new int[] {1, 4, 16, 64}) {
                float[] x = new float[rows * in];
                for (int i = 0; i < x.length; i++) {
                    x[i] = (float) r.nextGaussian();
                }
                float[] y = new float[rows * out];
                System.out.printf("%4dx%-6d %5d %9.1f %6.1f %6.1f %6.1f%n", in, out, rows, time(dense, x, rows, y),
                        time(q[0], x, rows, y), time(q[1], x, rows, y), time(q[2], x, rows, y));
            }
        }
        Parallel.shared().close();
    }

    static QuantizedLinear quantized(Random r, int in, int out, int bits) {
        int groups = QuantizedLinear.groups(in, 128);
        int[] codes = new int[in * out];
        for (int i = 0; i < codes.length; i++) {
            codes[i] = r.nextInt(1 << bits);
        }
        float[] scales = new float[groups * out];
        float[] zeros = new float[groups * out];
        java.util.Arrays.fill(scales, 0.01f);
        return QuantizedLinear.fromCodes(codes, in, out, bits, 128, scales, zeros, new float[out], null);
    }

    static double time(Linear l, float[] x, int rows, float[] y) {
        for (int i = 0; i < 300; i++) {
            l.forward(x, rows, y);
        }
        long[] t = new long[200];
        for (int i = 0; i < t.length; i++) {
            long s = System.nanoTime();
            l.forward(x, rows, y);
            t[i] = System.nanoTime() - s;
        }
        java.util.Arrays.sort(t);
        return t[t.length / 2] / 1e3;
    }
}
