package ffnkit.model;

import ffnkit.kernels.Activation;

/**
 * act(x·U + b1)·V + b2 with U and V any {@link Linear} (dense, low rank, quantised): the
 * compressed counterpart of {@link DenseFeedForward}, and each part of an FFSplit slot.
 */
public final class LinearFeedForward implements FeedForward {

    private final Linear up;
    private final Activation activation;
    private final Linear down;
    /**
     * Shared by every instance (per thread): the hidden activations live only inside forward,
     * and forward never runs another LinearFeedForward, so layers can take turns with one buffer.
     */
    private static final Scratch HIDDEN = new Scratch(Scratch.SHARED_MAX_KEPT);
    /** Row-chunked form when both projections are low rank (see FusedLowRankFfn), else null. */
    private final FusedLowRankFfn fused;

    public LinearFeedForward(Linear up, Activation activation, Linear down) {
        if (up.outputDim() != down.inputDim()) {
            throw new IllegalArgumentException("FFN up-projection has " + up.outputDim()
                    + " outputs but the down-projection takes " + down.inputDim());
        }
        this.up = up;
        this.activation = activation;
        this.down = down;
        this.fused = up instanceof LowRankLinear && down instanceof LowRankLinear ? FusedLowRankFfn.of(null, this) : null;
    }

    /** The same computation as a dense FFN (its layers are shared, not copied). */
    public static LinearFeedForward of(DenseFeedForward f) {
        return new LinearFeedForward(f.up(), f.activation(), f.down());
    }

    @Override
    public void forward(float[] x, int rows, float[] out) {
        forward(x, rows, null, out);
    }

    /** out = FFN(x) + residual (residual may be null, and must not be {@code out}). */
    public void forward(float[] x, int rows, float[] residual, float[] out) {
        if (fused != null) {
            fused.forward(x, rows, residual, out);
        } else {
            forwardReference(x, rows, residual, out);
        }
    }

    /** Whether {@link #forward} runs the row-chunked low-rank form. */
    public boolean isFused() {
        return fused != null;
    }

    /** up, activation, down, one whole-batch GEMM after the other: what the fused form must reproduce. */
    public void forwardReference(float[] x, int rows, float[] residual, float[] out) {
        float[] h = HIDDEN.get(rows * up.outputDim());
        up.forward(x, rows, activation, null, h);
        down.forward(h, rows, Activation.NONE, residual, out);
    }

    public Linear up() {
        return up;
    }

    public Linear down() {
        return down;
    }

    public Activation activation() {
        return activation;
    }

    /** The number of neurons. */
    public int width() {
        return up.outputDim();
    }

    @Override
    public int inputDim() {
        return up.inputDim();
    }

    @Override
    public int outputDim() {
        return down.outputDim();
    }

    @Override
    public long parameterCount() {
        return up.parameterCount() + down.parameterCount();
    }

    @Override
    public long byteSize() {
        return up.byteSize() + down.byteSize();
    }

    @Override
    public long flopsPerToken() {
        return up.flopsPerRow() + down.flopsPerRow();
    }
}
