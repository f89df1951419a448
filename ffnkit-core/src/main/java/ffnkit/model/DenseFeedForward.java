package ffnkit.model;

import ffnkit.kernels.Activation;

/** The original FFN: act(x·U + b1)·V + b2. */
public final class DenseFeedForward implements FeedForward {

    private final DenseLinear up;
    private final Activation activation;
    private final DenseLinear down;

    public DenseFeedForward(DenseLinear up, Activation activation, DenseLinear down) {
        if (up.outputDim() != down.inputDim()) {
            throw new IllegalArgumentException("FFN up-projection has " + up.outputDim()
                    + " outputs but the down-projection takes " + down.inputDim());
        }
        this.up = up;
        this.activation = activation;
        this.down = down;
    }

    @Override
    public void forward(float[] x, int rows, float[] out) {
        float[] hidden = new float[rows * up.outputDim()];
        up.forward(x, rows, activation, null, hidden);
        down.forward(hidden, rows, out);
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
        return up.parameterCount() + down.parameterCount();
    }

    @Override
    public long flopsPerToken() {
        return 2L * up.inputDim() * up.outputDim() + 2L * down.inputDim() * down.outputDim();
    }
}
