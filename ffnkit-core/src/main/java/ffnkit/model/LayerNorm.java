package ffnkit.model;

import ffnkit.kernels.Parallel;
import ffnkit.kernels.Simd;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/** LayerNorm over the last dimension: (x - mean)/sqrt(var + eps)·gamma + beta. */
public record LayerNorm(float[] gamma, float[] beta, float eps) {

    private static final VectorSpecies<Float> S = Simd.FLOAT;
    /** Rows per parallel task: enough work (~25k elements) to amortise the hand-off. */
    private static final int ROWS_PER_TASK = 64;

    public LayerNorm {
        if (gamma.length != beta.length) {
            throw new IllegalArgumentException("LayerNorm gamma has " + gamma.length + " values, beta " + beta.length);
        }
    }

    public int dim() {
        return gamma.length;
    }

    /** out = LN(x + residual) row by row; residual may be null; out may alias x or residual. */
    public void apply(float[] x, float[] residual, int rows, float[] out) {
        int tasks = Math.min(Parallel.shared().threads(), (rows + ROWS_PER_TASK - 1) / ROWS_PER_TASK);
        if (tasks <= 1) {
            rows(x, residual, 0, rows, out);
            return;
        }
        Parallel.shared().forEach(tasks, t -> rows(x, residual, (int) ((long) rows * t / tasks),
                (int) ((long) rows * (t + 1) / tasks), out));
    }

    private void rows(float[] x, float[] residual, int from, int to, float[] out) {
        int d = gamma.length;
        int bound = S.loopBound(d);
        for (int r = from; r < to; r++) {
            int off = r * d;
            // Pass 1: out = x + residual, and the sum. Lane-wise float sums of d/L terms each are
            // exact to ~1e-7 relative for d in the hundreds, like the double sum they replace.
            FloatVector vsum = FloatVector.zero(S);
            int i = 0;
            for (; i < bound; i += S.length()) {
                FloatVector v = FloatVector.fromArray(S, x, off + i);
                if (residual != null) {
                    v = v.add(FloatVector.fromArray(S, residual, off + i));
                }
                v.intoArray(out, off + i);
                vsum = vsum.add(v);
            }
            float sum = Simd.sum(vsum);
            for (; i < d; i++) {
                float v = residual == null ? x[off + i] : x[off + i] + residual[off + i];
                out[off + i] = v;
                sum += v;
            }
            float mean = sum / d;
            // Pass 2: variance about the mean, corrected two-pass form: the float mean is off by
            // up to a few ulps of |x| (large when |mean| >> std); Σ(v - mean) measures that error
            // and removes it from both mean and variance.
            FloatVector vmean = FloatVector.broadcast(S, mean);
            FloatVector vsq = FloatVector.zero(S);
            FloatVector vdev = FloatVector.zero(S);
            for (i = 0; i < bound; i += S.length()) {
                FloatVector c = FloatVector.fromArray(S, out, off + i).sub(vmean);
                vdev = vdev.add(c);
                vsq = c.fma(c, vsq);
            }
            float sq = Simd.sum(vsq);
            float dev = Simd.sum(vdev);
            for (; i < d; i++) {
                float c = out[off + i] - mean;
                dev += c;
                sq += c * c;
            }
            mean += dev / d;
            vmean = FloatVector.broadcast(S, mean);
            float inv = (float) (1.0 / Math.sqrt(Math.max(0.0, ((double) sq - (double) dev * dev / d) / d) + eps));
            // Pass 3: (v - mean)·inv·gamma + beta. Subtracting before scaling keeps full precision
            // when |mean| >> std (v·inv - mean·inv would cancel).
            FloatVector vinv = FloatVector.broadcast(S, inv);
            for (i = 0; i < bound; i += S.length()) {
                FloatVector n = FloatVector.fromArray(S, out, off + i).sub(vmean).mul(vinv);
                n.fma(FloatVector.fromArray(S, gamma, i), FloatVector.fromArray(S, beta, i)).intoArray(out, off + i);
            }
            for (; i < d; i++) {
                out[off + i] = (out[off + i] - mean) * inv * gamma[i] + beta[i];
            }
        }
    }
}
