package ffnkit.model;

/**
 * One post-LayerNorm BERT layer. The FFN is a replaceable slot; attention and the norms are
 * shared by every method.
 */
public final class EncoderLayer {

    private final DenseLinear qkv;
    private final DenseLinear attentionOutput;
    private final LayerNorm attentionNorm;
    private FeedForward feedForward;
    private final LayerNorm outputNorm;

    /** @param qkv query, key and value fused into one [d x 3d] matrix, so one GEMM computes all three */
    public EncoderLayer(DenseLinear qkv, DenseLinear attentionOutput, LayerNorm attentionNorm,
                        FeedForward feedForward, LayerNorm outputNorm) {
        this.qkv = qkv;
        this.attentionOutput = attentionOutput;
        this.attentionNorm = attentionNorm;
        this.feedForward = feedForward;
        this.outputNorm = outputNorm;
    }

    public static EncoderLayer of(BertWeights.Layer w, int d, int m, ffnkit.kernels.Activation act) {
        float[] fused = new float[d * 3 * d];
        float[] fusedBias = new float[3 * d];
        for (int r = 0; r < d; r++) {
            System.arraycopy(w.queryWeight(), r * d, fused, r * 3 * d, d);
            System.arraycopy(w.keyWeight(), r * d, fused, r * 3 * d + d, d);
            System.arraycopy(w.valueWeight(), r * d, fused, r * 3 * d + 2 * d, d);
        }
        System.arraycopy(w.queryBias(), 0, fusedBias, 0, d);
        System.arraycopy(w.keyBias(), 0, fusedBias, d, d);
        System.arraycopy(w.valueBias(), 0, fusedBias, 2 * d, d);
        FeedForward ffn = new DenseFeedForward(
                new DenseLinear(w.upWeight(), d, m, w.upBias()), act,
                new DenseLinear(w.downWeight(), m, d, w.downBias()));
        return new EncoderLayer(new DenseLinear(fused, d, 3 * d, fusedBias),
                new DenseLinear(w.attentionOutputWeight(), d, d, w.attentionOutputBias()),
                w.attentionNorm(), ffn, w.outputNorm());
    }

    public DenseLinear qkv() {
        return qkv;
    }

    public DenseLinear attentionOutput() {
        return attentionOutput;
    }

    public LayerNorm attentionNorm() {
        return attentionNorm;
    }

    public LayerNorm outputNorm() {
        return outputNorm;
    }

    public FeedForward feedForward() {
        return feedForward;
    }

    public void setFeedForward(FeedForward replacement) {
        if (replacement.inputDim() != attentionNorm.dim() || replacement.outputDim() != attentionNorm.dim()) {
            throw new IllegalArgumentException("FFN slot must map " + attentionNorm.dim() + " -> " + attentionNorm.dim()
                    + ", got " + replacement.inputDim() + " -> " + replacement.outputDim());
        }
        this.feedForward = replacement;
    }
}
