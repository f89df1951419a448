package ffnkit.model;

/**
 * A per-instance, per-thread reusable buffer for slot intermediates (hidden activations, the
 * low-rank bottleneck), so the encoder's steady state allocates nothing for them. Buffers larger
 * than {@link #MAX_KEPT} floats are allocated per call instead: a slot instance is kept for the
 * model's lifetime and a big batch must not pin tens of megabytes per layer and thread.
 */
final class Scratch {

    static final int MAX_KEPT = 1 << 20;
    /**
     * Cap for buffers shared by all instances of a class (one per thread, not per layer): large
     * enough for the hidden activations of a 32 x 128 batch (6.3 M floats at width 1536), whose
     * per-call allocation and zeroing ran serially between parallel kernels.
     */
    static final int SHARED_MAX_KEPT = 8 << 20;

    private final ThreadLocal<float[]> buffer = new ThreadLocal<>();
    private final int maxKept;

    Scratch() {
        this(MAX_KEPT);
    }

    Scratch(int maxKept) {
        this.maxKept = maxKept;
    }

    /** A buffer of at least n floats; its contents are undefined. */
    float[] get(int n) {
        if (n > maxKept) {
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
