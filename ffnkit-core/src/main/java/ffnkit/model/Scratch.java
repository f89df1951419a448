package ffnkit.model;

/**
 * A per-instance, per-thread reusable buffer for slot intermediates (hidden activations, the
 * low-rank bottleneck), so the encoder's steady state allocates nothing for them. Buffers larger
 * than {@link #MAX_KEPT} floats are allocated per call instead: a slot instance is kept for the
 * model's lifetime and a big batch must not pin tens of megabytes per layer and thread.
 */
final class Scratch {

    static final int MAX_KEPT = 1 << 20;

    private final ThreadLocal<float[]> buffer = new ThreadLocal<>();

    /** A buffer of at least n floats; its contents are undefined. */
    float[] get(int n) {
        if (n > MAX_KEPT) {
            return new float[n];
        }
        float[] b = buffer.get();
        if (b == null || b.length < n) {
            b = new float[n];
            buffer.set(b);
        }
        return b;
    }
}
