package ffnkit.model;

import ffnkit.kernels.Activation;

/**
 * y = x·W + b for a batch of rows; W is [inputDim x outputDim]. Implementations: the dense
 * layer, a low-rank product and a weight-only quantised layer, so an FFN can mix them.
 */
public interface Linear {

    /** out[rows x outputDim] = x[rows x inputDim]·W + b (overwrites out). */
    void forward(float[] x, int rows, float[] out);

    /**
     * out = act(x·W + b) + residual (residual may be null; it must not be {@code out}). The default
     * applies the epilogue after {@link #forward(float[], int, float[])}; layers whose kernel can
     * fuse it override this.
     */
    default void forward(float[] x, int rows, Activation act, float[] residual, float[] out) {
        forward(x, rows, out);
        if (act != Activation.NONE || residual != null) {
            int n = rows * outputDim();
            for (int i = 0; i < n; i++) {
                float v = act.apply(out[i]);
                out[i] = residual == null ? v : v + residual[i];
            }
        }
    }

    int inputDim();

    int outputDim();

    /** Number of stored values (weights, biases, quantisation scales and zeros). */
    long parameterCount();

    /** Bytes the layer's stored values take (float32 unless the layer packs them). */
    default long byteSize() {
        return 4 * parameterCount();
    }

    /** Multiply-adds per row, times two. */
    default long flopsPerRow() {
        return 2L * inputDim() * outputDim();
    }
}
