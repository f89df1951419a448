package ffnkit.model;

/** Sees the input of every FFN slot during a forward pass: the hook calibration is built on. */
@FunctionalInterface
public interface FfnObserver {

    /** @param input [rows x d], the LayerNormed hidden states entering the FFN of {@code layer}; read only */
    void observe(int layer, float[] input, int rows);
}
