package ffnkit.model;

import ffnkit.kernels.Parallel;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Multi-head self-attention over packed sequences: tokens of all sequences lie one after another
 * (no padding), so a token only ever attends to its own sequence and the result for a text cannot
 * depend on its batch mates.
 */
public final class Attention {

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    private Attention() {
    }

    /**
     * @param qkv   [tokens x 3d]: query, key and value of each token side by side
     * @param start first token of each sequence
     * @param len   length of each sequence
     * @param ctx   [tokens x d] receives softmax(q·kᵀ/√dh)·v per head
     */
    public static void forward(float[] qkv, int[] start, int[] len, int heads, int d, float[] ctx) {
        int dh = d / heads;
        int stride = 3 * d;
        float scale = (float) (1.0 / Math.sqrt(dh));
        int sequences = start.length;
        Parallel.shared().forEach(sequences * heads, task -> {
            int s = task / heads;
            int h = task % heads;
            int n = len[s];
            int base = start[s];
            float[] scores = new float[n];
            float[] acc = new float[dh];
            for (int i = 0; i < n; i++) {
                int qOff = (base + i) * stride + h * dh;
                float max = Float.NEGATIVE_INFINITY;
                for (int j = 0; j < n; j++) {
                    int kOff = (base + j) * stride + d + h * dh;
                    float dot = dot(qkv, qOff, qkv, kOff, dh) * scale;
                    scores[j] = dot;
                    max = Math.max(max, dot);
                }
                float sum = 0;
                for (int j = 0; j < n; j++) {
                    float e = (float) Math.exp(scores[j] - max);
                    scores[j] = e;
                    sum += e;
                }
                java.util.Arrays.fill(acc, 0f);
                for (int j = 0; j < n; j++) {
                    int vOff = (base + j) * stride + 2 * d + h * dh;
                    axpy(scores[j], qkv, vOff, acc, dh);
                }
                float inv = 1f / sum;
                int out = (base + i) * d + h * dh;
                for (int c = 0; c < dh; c++) {
                    ctx[out + c] = acc[c] * inv;
                }
            }
        });
    }

    static float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        int i = 0;
        float s = 0;
        if (n >= S.length()) {
            FloatVector v = FloatVector.zero(S);
            for (int bound = S.loopBound(n); i < bound; i += S.length()) {
                v = FloatVector.fromArray(S, a, aOff + i).fma(FloatVector.fromArray(S, b, bOff + i), v);
            }
            s = v.reduceLanes(VectorOperators.ADD);
        }
        for (; i < n; i++) {
            s += a[aOff + i] * b[bOff + i];
        }
        return s;
    }

    static void axpy(float alpha, float[] x, int xOff, float[] y, int n) {
        int i = 0;
        FloatVector va = FloatVector.broadcast(S, alpha);
        for (int bound = S.loopBound(n); i < bound; i += S.length()) {
            FloatVector.fromArray(S, x, xOff + i).fma(va, FloatVector.fromArray(S, y, i)).intoArray(y, i);
        }
        for (; i < n; i++) {
            y[i] += alpha * x[xOff + i];
        }
    }
}
