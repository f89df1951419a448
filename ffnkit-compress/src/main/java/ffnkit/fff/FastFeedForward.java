package ffnkit.fff;

import ffnkit.model.FeedForward;

import java.util.Random;

/**
 * Fast feedforward layer in the UltraFastBERT form (Belcak and Wattenhofer, "Exponentially Faster
 * Language Modelling", 2023): K binary trees of depth D, n = 2^(D+1)-1 nodes per tree, and every
 * node is one GELU neuron. A token walks one root-to-leaf path per tree:
 *
 * <pre>
 *   node = 0; repeat D+1 times:
 *     l    = x·W_in[node] + b_in[node]
 *     y   += GELU(l)·W_out[node]
 *     node = 2·node + 1 + (l &gt; 0 ? 1 : 0)
 *   y += b2
 * </pre>
 *
 * so a token evaluates K·(D+1) of the K·n neurons. Node {@code v} of tree {@code k} is row
 * {@code k·n + v} of W_in [K·n, d] (with bias b_in [K·n]) and of W_out [K·n, d_out] (no bias).
 * b2 [d_out] is the output bias, so a layer converted from a dense FFN keeps its b2.
 *
 * <p>The arrays are held, not copied: trainers update them in place and the next forward sees the
 * new values. Inference runs the batched conditional-matrix-multiplication kernel {@link Cmm};
 * {@link FastFeedForwardReference} is the plain per-token loop it is tested against.
 */
public final class FastFeedForward implements FeedForward {

    private final int trees;
    private final int depth;
    private final int inputDim;
    private final int outputDim;
    private final float[] wIn;
    private final float[] bIn;
    private final float[] wOut;
    private final float[] b2;

    public FastFeedForward(int trees, int depth, int inputDim, int outputDim, float[] wIn, float[] bIn,
                           float[] wOut, float[] b2) {
        if (trees < 1 || depth < 0 || depth > 24) {
            throw new IllegalArgumentException("need at least 1 tree and depth in [0, 24], got " + trees + "x" + depth);
        }
        long neurons = (long) trees * ((1L << (depth + 1)) - 1);
        check("W_in", wIn, neurons * inputDim);
        check("b_in", bIn, neurons);
        check("W_out", wOut, neurons * outputDim);
        check("b2", b2, outputDim);
        this.trees = trees;
        this.depth = depth;
        this.inputDim = inputDim;
        this.outputDim = outputDim;
        this.wIn = wIn;
        this.bIn = bIn;
        this.wOut = wOut;
        this.b2 = b2;
    }

    private static void check(String name, float[] a, long expected) {
        if (a == null || a.length != expected) {
            throw new IllegalArgumentException(name + " has " + (a == null ? "no" : a.length) + " values, expected "
                    + expected);
        }
    }

    /** Zero-initialised layer of the given shape (all arrays fresh). */
    public static FastFeedForward zeros(int trees, int depth, int inputDim, int outputDim) {
        int neurons = trees * nodesPerTree(depth);
        return new FastFeedForward(trees, depth, inputDim, outputDim, new float[neurons * inputDim],
                new float[neurons], new float[neurons * outputDim], new float[outputDim]);
    }

    /**
     * Random layer: W_in ~ N(0, 1/d) so pre-activations are O(1) for O(1) inputs (both branches
     * taken), W_out ~ N(0, 1/(K·(D+1))) so the output of a path is O(1); biases small.
     */
    public static FastFeedForward random(int trees, int depth, int inputDim, int outputDim, long seed) {
        FastFeedForward f = zeros(trees, depth, inputDim, outputDim);
        Random r = new Random(seed);
        double sIn = 1.0 / Math.sqrt(inputDim);
        double sOut = 1.0 / Math.sqrt((double) trees * (depth + 1));
        for (int i = 0; i < f.wIn.length; i++) {
            f.wIn[i] = (float) (r.nextGaussian() * sIn);
        }
        for (int i = 0; i < f.bIn.length; i++) {
            f.bIn[i] = (float) (r.nextGaussian() * 0.1);
        }
        for (int i = 0; i < f.wOut.length; i++) {
            f.wOut[i] = (float) (r.nextGaussian() * sOut);
        }
        for (int i = 0; i < f.b2.length; i++) {
            f.b2[i] = (float) (r.nextGaussian() * 0.1);
        }
        return f;
    }

    /** n = 2^(D+1) - 1: nodes (= neurons) of one tree of depth D. */
    public static int nodesPerTree(int depth) {
        return (1 << (depth + 1)) - 1;
    }

    @Override
    public void forward(float[] x, int rows, float[] out) {
        Cmm.forward(this, x, rows, out);
    }

    public int trees() {
        return trees;
    }

    public int depth() {
        return depth;
    }

    public int nodesPerTree() {
        return nodesPerTree(depth);
    }

    /** K·n: all neurons of the layer. */
    public int neurons() {
        return trees * nodesPerTree(depth);
    }

    /** K·(D+1): neurons one token evaluates. */
    public int neuronsPerToken() {
        return trees * (depth + 1);
    }

    /** W_in [K·n, d], row-major; live storage, not a copy. */
    public float[] wIn() {
        return wIn;
    }

    /** b_in [K·n]; live storage. */
    public float[] bIn() {
        return bIn;
    }

    /** W_out [K·n, d_out], row-major; live storage. */
    public float[] wOut() {
        return wOut;
    }

    /** b2 [d_out]; live storage. */
    public float[] b2() {
        return b2;
    }

    /** Deep copy (fresh arrays). */
    public FastFeedForward copy() {
        return new FastFeedForward(trees, depth, inputDim, outputDim, wIn.clone(), bIn.clone(), wOut.clone(),
                b2.clone());
    }

    @Override
    public int inputDim() {
        return inputDim;
    }

    @Override
    public int outputDim() {
        return outputDim;
    }

    @Override
    public long parameterCount() {
        return (long) neurons() * (inputDim + 1 + outputDim) + outputDim;
    }

    /** Per token: K·(D+1) dot products of length d and as many row updates of length d_out. */
    @Override
    public long flopsPerToken() {
        return 2L * neuronsPerToken() * (inputDim + outputDim);
    }

    @Override
    public String toString() {
        return "FastFeedForward[" + trees + "x" + depth + ", d=" + inputDim + ", d_out=" + outputDim + "]";
    }
}
