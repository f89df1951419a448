package ffnkit.model;

import ffnkit.kernels.Activation;

/**
 * W ≈ A·B with A [in x r], B [r x out]: x·W is computed as (x·A)·B, two thin GEMMs costing
 * 2·r·(in + out) FLOPs per row instead of 2·in·out. The bias, if any, belongs to B.
 */
public final class LowRankLinear implements Linear {

    private final Linear a;
    private final Linear b;
    private final Scratch bottleneck = new Scratch();

    public LowRankLinear(Linear a, Linear b) {
        if (a.outputDim() != b.inputDim()) {
            throw new IllegalArgumentException("low-rank factors disagree: A has " + a.outputDim()
                    + " outputs, B takes " + b.inputDim());
        }
        this.a = a;
        this.b = b;
    }

    @Override
    public void forward(float[] x, int rows, float[] out) {
        forward(x, rows, Activation.NONE, null, out);
    }

    @Override
    public void forward(float[] x, int rows, Activation act, float[] residual, float[] out) {
        float[] t = bottleneck.get(rows * rank());
        a.forward(x, rows, t);
        b.forward(t, rows, act, residual, out);
    }

    public Linear a() {
        return a;
    }

    public Linear b() {
        return b;
    }

    public int rank() {
        return a.outputDim();
    }

    @Override
    public int inputDim() {
        return a.inputDim();
    }

    @Override
    public int outputDim() {
        return b.outputDim();
    }

    @Override
    public long parameterCount() {
        return a.parameterCount() + b.parameterCount();
    }

    @Override
    public long byteSize() {
        return a.byteSize() + b.byteSize();
    }

    @Override
    public long flopsPerRow() {
        return a.flopsPerRow() + b.flopsPerRow();
    }
}
