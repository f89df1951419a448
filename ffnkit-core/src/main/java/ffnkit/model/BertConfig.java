package ffnkit.model;

/**
 * The shape of a BERT-family encoder and how its sentence embedding is formed.
 *
 * @param maxTokens truncation length for input text, including [CLS] and [SEP] (256 for all-MiniLM-L6-v2)
 */
public record BertConfig(
        int vocabSize,
        int hidden,
        int layers,
        int heads,
        int intermediate,
        int maxPositions,
        int typeVocabSize,
        float layerNormEps,
        Pooling pooling,
        boolean normalize,
        int maxTokens) {

    public BertConfig {
        if (hidden <= 0 || heads <= 0 || hidden % heads != 0) {
            throw new IllegalArgumentException("hidden size " + hidden + " is not a multiple of the head count " + heads);
        }
        if (layers <= 0 || intermediate <= 0 || vocabSize <= 0 || maxPositions <= 0) {
            throw new IllegalArgumentException("invalid encoder shape: layers=" + layers + ", intermediate="
                    + intermediate + ", vocab=" + vocabSize + ", positions=" + maxPositions);
        }
        if (maxTokens < 2 || maxTokens > maxPositions) {
            throw new IllegalArgumentException("max tokens " + maxTokens + " must be between 2 and the model's "
                    + maxPositions + " positions");
        }
    }

    public int headDim() {
        return hidden / heads;
    }

    public BertConfig withMaxTokens(int tokens) {
        return new BertConfig(vocabSize, hidden, layers, heads, intermediate, maxPositions, typeVocabSize,
                layerNormEps, pooling, normalize, tokens);
    }

    public BertConfig withPooling(Pooling p, boolean norm) {
        return new BertConfig(vocabSize, hidden, layers, heads, intermediate, maxPositions, typeVocabSize,
                layerNormEps, p, norm, maxTokens);
    }
}
