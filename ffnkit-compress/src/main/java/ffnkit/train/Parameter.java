package ffnkit.train;

/** A trainable tensor and its gradient, flat; the optimiser and checkpoints see only these. */
public record Parameter(String name, float[] value, float[] grad) {

    public static Parameter of(String name, float[] value) {
        return new Parameter(name, value, new float[value.length]);
    }

    public void zeroGrad() {
        java.util.Arrays.fill(grad, 0f);
    }
}
