package ffnkit.model;

import ffnkit.kernels.Activation;

/** The original FFN: act(x·U + b1)·V + b2. */
public final class DenseFeedForward implements FeedForward {

    private final DenseLinear up;
    private final Activation activation;
    private final DenseLinear down;
    /** The same layers seen as a general FFN: one forward path, with its reused hidden buffer. */
    private final LinearFeedForward computation;

    public DenseFeedForward(DenseLinear up, Activation activation, DenseLinear down) {
        if (up.outputDim() != down.inputDim()) {
            throw new IllegalArgumentException("FFN up-projection has " + up.outputDim()
                    + " outputs but the down-projection takes " + down.inputDim());
        }
        this.up = up;
        this.activation = activation;
        this.down = down;
        this.computation = new LinearFeedForward(up, activation, down);
    }

    @Override
    public void forward(float[] x, int rows, float[] out) {
        computation.forward(x, rows, out);
    }

    public DenseLinear up() {
        return up;
    }

    public DenseLinear down() {
        return down;
    }

    public Activation activation() {
        return activation;
    }

    /** m, the number of FFN neurons. */
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
        return computation.parameterCount();
    }

    @Override
    public long flopsPerToken() {
        return computation.flopsPerToken();
    }
}
