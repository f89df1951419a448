package ffnkit.model;

/** How token states become one sentence vector. */
public enum Pooling {
    /** Mean over the real (unpadded) tokens, as sentence-transformers and e5 do. */
    MEAN,
    /** The [CLS] token's state. */
    CLS
}
