package ffnkit.model;

/** LayerNorm over the last dimension: (x - mean)/sqrt(var + eps)·gamma + beta. */
public record LayerNorm(float[] gamma, float[] beta, float eps) {

    public LayerNorm {
        if (gamma.length != beta.length) {
            throw new IllegalArgumentException("LayerNorm gamma has " + gamma.length + " values, beta " + beta.length);
        }
    }

    public int dim() {
        return gamma.length;
    }

    /** out = LN(x + residual) row by row; residual may be null; out may alias x. */
    public void apply(float[] x, float[] residual, int rows, float[] out) {
        int d = gamma.length;
        for (int r = 0; r < rows; r++) {
            int off = r * d;
            double sum = 0;
            for (int i = 0; i < d; i++) {
                float v = residual == null ? x[off + i] : x[off + i] + residual[off + i];
                out[off + i] = v;
                sum += v;
            }
            float mean = (float) (sum / d);
            double sq = 0;
            for (int i = 0; i < d; i++) {
                float c = out[off + i] - mean;
                sq += c * c;
            }
            float inv = (float) (1.0 / Math.sqrt(sq / d + eps));
            for (int i = 0; i < d; i++) {
                out[off + i] = (out[off + i] - mean) * inv * gamma[i] + beta[i];
            }
        }
    }
}
