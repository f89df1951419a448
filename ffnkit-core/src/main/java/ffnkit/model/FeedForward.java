package ffnkit.model;

/**
 * The FFN slot of a transformer layer. Every method of ffnkit (dense, FFSplit, fast feedforward
 * trees, LookupFFN) is one implementation; the rest of the encoder never looks inside.
 *
 * <p>Tensors are row-major float arrays: {@code x} holds {@code rows} tokens of {@link #inputDim()}
 * values, {@code out} receives {@code rows} rows of {@link #outputDim()} values (overwritten).
 */
public interface FeedForward {

    void forward(float[] x, int rows, float[] out);

    int inputDim();

    int outputDim();

    /** Number of stored parameters (weights and biases), for size reports. */
    long parameterCount();

    /** Multiply-adds per token, times two: the FLOPs one token costs in this slot. */
    long flopsPerToken();

    /** Bytes the slot's stored values take (float32 unless the slot packs them). */
    default long byteSize() {
        return 4 * parameterCount();
    }
}
