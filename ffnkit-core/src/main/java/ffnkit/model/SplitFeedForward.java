package ffnkit.model;

/**
 * FFSplit (seed paper 000): FFN(x) = FFN_H(x) + FFN_L(x), the heavy-hitter neurons in one slot and
 * the rest (compressed harder) in the other. Each part holds its neurons contiguously (the split
 * permutes them once, when it is built), so no gather happens at run time. The output bias b2
 * belongs to exactly one part; whoever builds the split sees to that (the constructor cannot).
 */
public final class SplitFeedForward implements FeedForward {

    private final FeedForward heavy;
    private final FeedForward light;
    private final Scratch lightOut = new Scratch();
    /** The four-GEMM form when heavy is dense and light is low rank (see FusedLowRankFfn), else null. */
    private final FusedLowRankFfn fused;

    public SplitFeedForward(FeedForward heavy, FeedForward light) {
        if (heavy.inputDim() != light.inputDim() || heavy.outputDim() != light.outputDim()) {
            throw new IllegalArgumentException("split FFN parts disagree: heavy maps " + heavy.inputDim() + " -> "
                    + heavy.outputDim() + ", light maps " + light.inputDim() + " -> " + light.outputDim());
        }
        this.heavy = heavy;
        this.light = light;
        this.fused = heavy instanceof LinearFeedForward h && light instanceof LinearFeedForward l
                ? FusedLowRankFfn.of(h, l) : null;
    }

    @Override
    public void forward(float[] x, int rows, float[] out) {
        if (fused != null) {
            fused.forward(x, rows, null, out);
        } else {
            forwardReference(x, rows, out);
        }
    }

    /** Whether {@link #forward} runs the fused four-GEMM form (heavy dense, light low rank). */
    public boolean isFused() {
        return fused != null;
    }

    /** heavy(x) + light(x), each part run on its own: the computation the fused form must reproduce. */
    public void forwardReference(float[] x, int rows, float[] out) {
        float[] l = lightOut.get(rows * outputDim());
        if (light instanceof LinearFeedForward lf) {
            lf.forwardReference(x, rows, null, l);
        } else {
            light.forward(x, rows, l);
        }
        if (heavy instanceof LinearFeedForward h) {
            h.forwardReference(x, rows, l, out); // the sum rides in the down-projection's residual epilogue
        } else {
            heavy.forward(x, rows, out);
            int n = rows * outputDim();
            for (int i = 0; i < n; i++) {
                out[i] += l[i];
            }
        }
    }

    public FeedForward heavy() {
        return heavy;
    }

    public FeedForward light() {
        return light;
    }

    @Override
    public int inputDim() {
        return heavy.inputDim();
    }

    @Override
    public int outputDim() {
        return heavy.outputDim();
    }

    @Override
    public long parameterCount() {
        return heavy.parameterCount() + light.parameterCount();
    }

    @Override
    public long byteSize() {
        return heavy.byteSize() + light.byteSize();
    }

    @Override
    public long flopsPerToken() {
        return heavy.flopsPerToken() + light.flopsPerToken();
    }
}
