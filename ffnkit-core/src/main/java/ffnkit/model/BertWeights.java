package ffnkit.model;

import java.util.List;

/**
 * The tensors of a BERT-family encoder as a loader found them, before packing. Matrices are
 * row-major [in x out] (x·W). {@link #validate()} checks every shape against the config so a wrong
 * model fails at load with the tensor named, not later with an index error.
 */
public record BertWeights(
        BertConfig config,
        float[] wordEmbeddings,
        float[] positionEmbeddings,
        float[] tokenTypeEmbeddings,
        LayerNorm embeddingNorm,
        List<Layer> layers) {

    public record Layer(
            float[] queryWeight, float[] queryBias,
            float[] keyWeight, float[] keyBias,
            float[] valueWeight, float[] valueBias,
            float[] attentionOutputWeight, float[] attentionOutputBias,
            LayerNorm attentionNorm,
            float[] upWeight, float[] upBias,
            float[] downWeight, float[] downBias,
            LayerNorm outputNorm) {
    }

    public BertWeights validate() {
        BertConfig c = config;
        int d = c.hidden();
        int m = c.intermediate();
        check("word embeddings", wordEmbeddings, (long) c.vocabSize() * d);
        check("position embeddings", positionEmbeddings, (long) c.maxPositions() * d);
        check("token type embeddings", tokenTypeEmbeddings, (long) c.typeVocabSize() * d);
        check("embedding LayerNorm", embeddingNorm.gamma(), d);
        if (layers.size() != c.layers()) {
            throw new IllegalArgumentException("model declares " + c.layers() + " layers but " + layers.size() + " were found");
        }
        for (int i = 0; i < layers.size(); i++) {
            Layer l = layers.get(i);
            String p = "layer " + i + " ";
            check(p + "query weight", l.queryWeight, (long) d * d);
            check(p + "query bias", l.queryBias, d);
            check(p + "key weight", l.keyWeight, (long) d * d);
            check(p + "key bias", l.keyBias, d);
            check(p + "value weight", l.valueWeight, (long) d * d);
            check(p + "value bias", l.valueBias, d);
            check(p + "attention output weight", l.attentionOutputWeight, (long) d * d);
            check(p + "attention output bias", l.attentionOutputBias, d);
            check(p + "attention LayerNorm", l.attentionNorm.gamma(), d);
            check(p + "FFN up weight", l.upWeight, (long) d * m);
            check(p + "FFN up bias", l.upBias, m);
            check(p + "FFN down weight", l.downWeight, (long) m * d);
            check(p + "FFN down bias", l.downBias, d);
            check(p + "output LayerNorm", l.outputNorm.gamma(), d);
        }
        return this;
    }

    private static void check(String what, float[] t, long expected) {
        if (t == null) {
            throw new IllegalArgumentException("model is missing the " + what + " tensor");
        }
        if (t.length != expected) {
            throw new IllegalArgumentException("wrong shape: " + what + " has " + t.length + " values, expected " + expected);
        }
    }
}
