package ffnkit.fff;

import ffnkit.kernels.MathFunctions;

/**
 * The plain per-token loop of the UltraFastBERT inference, written to be obviously right: scalar,
 * single-threaded, the formula of {@link FastFeedForward} line by line. Fast kernels are tested
 * against it.
 */
public final class FastFeedForwardReference {

    private FastFeedForwardReference() {
    }

    public static void forward(FastFeedForward f, float[] x, int rows, float[] out) {
        forward(f, x, rows, out, null);
    }

    /**
     * As {@link #forward(FastFeedForward, float[], int, float[])}; when {@code margin} is not null it
     * receives, per token, the smallest |l| of any routing decision on its paths relative to
     * sum_i |x_i·W_in[node,i]| (the scale of the rounding error of l). A token whose margin is
     * below a few d·ulp may legitimately take another branch in a kernel that sums in another
     * order, so comparisons skip such tokens instead of loosening the tolerance for all.
     */
    public static void forward(FastFeedForward f, float[] x, int rows, float[] out, float[] margin) {
        int d = f.inputDim();
        int dOut = f.outputDim();
        int n = f.nodesPerTree();
        float[] wIn = f.wIn();
        float[] bIn = f.bIn();
        float[] wOut = f.wOut();
        for (int t = 0; t < rows; t++) {
            float[] y = new float[dOut];
            float minMargin = Float.POSITIVE_INFINITY;
            for (int k = 0; k < f.trees(); k++) {
                int node = 0;
                for (int level = 0; level <= f.depth(); level++) {
                    int row = k * n + node;
                    float l = bIn[row];
                    float scale = Math.abs(bIn[row]);
                    for (int i = 0; i < d; i++) {
                        float p = x[t * d + i] * wIn[row * d + i];
                        l += p;
                        scale += Math.abs(p);
                    }
                    float a = MathFunctions.gelu(l);
                    for (int j = 0; j < dOut; j++) {
                        y[j] += a * wOut[row * dOut + j];
                    }
                    if (level < f.depth()) {
                        minMargin = Math.min(minMargin, Math.abs(l) / Math.max(scale, Float.MIN_NORMAL));
                    }
                    node = 2 * node + 1 + (l > 0 ? 1 : 0);
                }
            }
            for (int j = 0; j < dOut; j++) {
                out[t * dOut + j] = y[j] + f.b2()[j];
            }
            if (margin != null) {
                margin[t] = minMargin;
            }
        }
    }
}
