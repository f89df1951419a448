package ffnkit.model;

/** Sees the input of every FFN slot during a forward pass: the hook calibration is built on. */
@FunctionalInterface
public interface FfnObserver {

    /**
     * @param input [rows x d] (the array may be longer), the LayerNormed hidden states entering the
     *              FFN of {@code layer}; read only, and valid only during the call (the encoder reuses
     *              the buffer), so copy what you keep. Must not run an encoder forward pass itself.
     */
    void observe(int layer, float[] input, int rows);
}
