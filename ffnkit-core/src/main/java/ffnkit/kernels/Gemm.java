package ffnkit.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * SGEMM for the encoder: c = act(a·B + bias) + residual, with B a {@link PackedMatrix}.
 * Rows of a are split over the shared thread pool.
 */
public final class Gemm {

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    private Gemm() {
    }

    /** c[m x n] = act(a[m x k]·b + bias) + residual; bias and residual may be null. */
    public static void matmul(float[] a, int m, PackedMatrix b, float[] bias, Activation act, float[] residual,
                              float[] c) {
        int k = b.rows();
        int n = b.cols();
        float[] w = b.data();
        int tasks = Math.min(m, Parallel.shared().threads() * 4);
        Parallel.shared().forEach(tasks, t -> {
            int from = (int) ((long) m * t / tasks);
            int to = (int) ((long) m * (t + 1) / tasks);
            for (int i = from; i < to; i++) {
                row(a, i * k, k, w, n, bias, act, residual, c, i * n);
            }
        });
    }

    private static void row(float[] a, int aOff, int k, float[] w, int n, float[] bias, Activation act,
                            float[] residual, float[] c, int cOff) {
        int bound = S.loopBound(n);
        if (bias == null) {
            java.util.Arrays.fill(c, cOff, cOff + n, 0f);
        } else {
            System.arraycopy(bias, 0, c, cOff, n);
        }
        for (int p = 0; p < k; p++) {
            float av = a[aOff + p];
            FloatVector va = FloatVector.broadcast(S, av);
            int wOff = p * n;
            int j = 0;
            for (; j < bound; j += S.length()) {
                FloatVector acc = FloatVector.fromArray(S, c, cOff + j);
                FloatVector.fromArray(S, w, wOff + j).fma(va, acc).intoArray(c, cOff + j);
            }
            for (; j < n; j++) {
                c[cOff + j] += av * w[wOff + j];
            }
        }
        if (act != Activation.NONE || residual != null) {
            for (int j = 0; j < n; j++) {
                float v = act.apply(c[cOff + j]);
                c[cOff + j] = residual == null ? v : v + residual[cOff + j];
            }
        }
    }
}
