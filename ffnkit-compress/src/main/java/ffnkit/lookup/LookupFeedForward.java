package ffnkit.lookup;

import ffnkit.model.FeedForward;

import java.util.SplittableRandom;

/**
 * LookupFFN in an FFN slot (METHODS.md section 3): y = sum_k score_k · T_k[code_k] + bias with
 * z = P(x) (BH4 or dense), code_k the tau sign bits of group k of z and score_k as in
 * {@link LookupMath}.
 *
 * <p>Input: in post-LN BERT (MiniLM) the FFN slot receives the output of the attention block's
 * LayerNorm, which is already the "pre-LayerNormed x" LookupFFN hashes, so no LayerNorm is
 * applied here.
 *
 * <p>Parameters (arrays are copied in; getters return the internal arrays, do not modify):
 * projection weight ({@link Bh4} layout), projection bias [h·tau], tables
 * [h][2^tau][d_out] row-major, output bias [d_out]. {@link #forward} runs the fast kernel
 * ({@link LookupKernel}); {@link LookupFeedForwardReference} is the plain definition.
 */
public final class LookupFeedForward implements FeedForward {

    private final LookupShape shape;
    private final float[] projectionWeight;
    private final float[] projectionBias;
    private final float[] tables;
    private final float[] bias;
    private final LookupKernel kernel;

    public LookupFeedForward(LookupShape shape, float[] projectionWeight, float[] projectionBias, float[] tables,
                             float[] bias) {
        check("projection weight", projectionWeight, shape.projectionWeightCount());
        check("projection bias", projectionBias, shape.codeDim());
        check("tables", tables, shape.tableCount());
        check("bias", bias, shape.outputDim());
        this.shape = shape;
        this.projectionWeight = projectionWeight.clone();
        this.projectionBias = projectionBias.clone();
        this.tables = tables.clone();
        this.bias = bias.clone();
        this.kernel = new LookupKernel(this);
    }

    /**
     * A freshly initialised layer: BH4 block weights N(0, 1/b) (so each stage roughly preserves
     * the norm, like the orthonormal Hadamard), dense projection N(0, 1/d), zero biases, tables
     * N(0, tableStd^2).
     */
    public static LookupFeedForward random(LookupShape shape, long seed, float tableStd) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] w = new float[shape.projectionWeightCount()];
        double std = 1.0 / Math.sqrt(shape.projection() == LookupShape.ProjectionKind.BH4 ? shape.block()
                : shape.inputDim());
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) (gaussian(rnd) * std);
        }
        float[] t = new float[Math.toIntExact(shape.tableCount())];
        for (int i = 0; i < t.length; i++) {
            t[i] = (float) (gaussian(rnd) * tableStd);
        }
        return new LookupFeedForward(shape, w, new float[shape.codeDim()], t, new float[shape.outputDim()]);
    }

    static double gaussian(SplittableRandom rnd) {
        // Box-Muller: SplittableRandom has no nextGaussian with a stable algorithm across JDKs
        double u = rnd.nextDouble();
        double v = rnd.nextDouble();
        return Math.sqrt(-2 * Math.log1p(-u)) * Math.cos(2 * Math.PI * v);
    }

    private static void check(String what, float[] a, long expected) {
        if (a.length != expected) {
            throw new IllegalArgumentException(what + " has " + a.length + " values, the shape needs " + expected);
        }
    }

    @Override
    public void forward(float[] x, int rows, float[] out) {
        kernel.forward(x, rows, out);
    }

    public LookupShape shape() {
        return shape;
    }

    public float[] projectionWeight() {
        return projectionWeight;
    }

    public float[] projectionBias() {
        return projectionBias;
    }

    public float[] tables() {
        return tables;
    }

    public float[] bias() {
        return bias;
    }

    @Override
    public int inputDim() {
        return shape.inputDim();
    }

    @Override
    public int outputDim() {
        return shape.outputDim();
    }

    @Override
    public long parameterCount() {
        return (long) projectionWeight.length + projectionBias.length + tables.length + bias.length;
    }

    @Override
    public long flopsPerToken() {
        return shape.flopsPerToken();
    }

    /**
     * The same layer with every table value rounded to bfloat16 ({@link Bf16#round}). The rounded
     * floats are the new layer's definition (the reference uses them as they are); the kernel then
     * stores the tables in half the bytes and widens them exactly.
     */
    public LookupFeedForward withBf16Tables() {
        return new LookupFeedForward(shape, projectionWeight, projectionBias, Bf16.roundAll(tables), bias);
    }

    /** True when all table values are bf16 values, so the kernel streams 2 bytes per value. */
    public boolean tablesAreBf16() {
        return Bf16.allExact(tables);
    }

    /** Bytes of table memory as the kernel stores it (bf16 when {@link #tablesAreBf16}, else float32). */
    public long tableBytes() {
        return (tablesAreBf16() ? 2L : 4L) * tables.length;
    }
}
