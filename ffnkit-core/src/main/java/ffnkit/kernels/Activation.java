package ffnkit.kernels;

/** Elementwise activations, applied in GEMM epilogues. */
public enum Activation {
    NONE,
    /** Exact GELU, x/2·(1 + erf(x/√2)), as BERT and the ONNX exports (Erf node) compute it. */
    GELU;

    public float apply(float x) {
        return this == GELU ? MathFunctions.gelu(x) : x;
    }
}
