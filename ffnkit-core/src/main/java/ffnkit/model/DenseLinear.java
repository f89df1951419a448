package ffnkit.model;

import ffnkit.kernels.Activation;
import ffnkit.kernels.Gemm;
import ffnkit.kernels.PackedMatrix;

/** A dense layer whose weights are packed for the GEMM kernel at construction. */
public final class DenseLinear implements Linear {

    private final PackedMatrix weight;
    private final float[] bias;

    /** @param weight row-major [in x out] (x·W); @param bias [out] or null */
    public DenseLinear(float[] weight, int in, int out, float[] bias) {
        if (bias != null && bias.length != out) {
            throw new IllegalArgumentException("bias has " + bias.length + " values, layer has " + out + " outputs");
        }
        this.weight = PackedMatrix.pack(weight, in, out);
        this.bias = bias == null ? null : bias.clone();
    }

    @Override
    public void forward(float[] x, int rows, float[] out) {
        Gemm.matmul(x, rows, weight, bias, Activation.NONE, null, out);
    }

    /** out = act(x·W + b) + residual: the fused epilogue form. */
    @Override
    public void forward(float[] x, int rows, Activation act, float[] residual, float[] out) {
        Gemm.matmul(x, rows, weight, bias, act, residual, out);
    }

    public PackedMatrix weight() {
        return weight;
    }

    /** The bias, or null when the layer has none. Not a copy: do not modify. */
    public float[] bias() {
        return bias;
    }

    @Override
    public int inputDim() {
        return weight.rows();
    }

    @Override
    public int outputDim() {
        return weight.cols();
    }

    @Override
    public long parameterCount() {
        return (long) weight.rows() * weight.cols() + (bias == null ? 0 : bias.length);
    }
}
