package ffnkit.kernels;

/** The straightforward GEMM every fast kernel is tested against. */
public final class GemmReference {

    private GemmReference() {
    }

    /** c[m x n] = act(a[m x k]·b[k x n] + bias) + residual; bias and residual may be null. */
    public static void matmul(float[] a, int m, int k, float[] b, int n, float[] bias, Activation act,
                              float[] residual, float[] c) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int p = 0; p < k; p++) {
                    s += (double) a[i * k + p] * b[p * n + j];
                }
                float v = (float) s + (bias == null ? 0f : bias[j]);
                v = act.apply(v);
                if (residual != null) {
                    v += residual[i * n + j];
                }
                c[i * n + j] = v;
            }
        }
    }
}
