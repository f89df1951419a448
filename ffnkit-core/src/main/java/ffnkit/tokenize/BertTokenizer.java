package ffnkit.tokenize;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ffnkit.io.ModelFormatException;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * tokenizer.json through DJL's binding of Hugging Face tokenizers (the jar ships the native
 * library), so ids are exactly those of the reference tokenizer. Adds [CLS]/[SEP] and truncates
 * to the model's maximum length.
 */
public final class BertTokenizer implements AutoCloseable {

    private final HuggingFaceTokenizer tokenizer;
    private final String json;
    private final int maxTokens;

    public BertTokenizer(String tokenizerJson, int maxTokens) {
        this.json = tokenizerJson;
        this.maxTokens = maxTokens;
        try {
            this.tokenizer = HuggingFaceTokenizer.newInstance(
                    new ByteArrayInputStream(tokenizerJson.getBytes(StandardCharsets.UTF_8)),
                    Map.of("truncation", "true", "padding", "false", "maxLength", Integer.toString(maxTokens),
                            "addSpecialTokens", "true"));
        } catch (IOException | RuntimeException e) {
            throw new ModelFormatException("cannot read tokenizer.json (" + e.getMessage()
                    + "): the file is corrupt or not a Hugging Face tokenizer", e);
        }
    }

    /** Token ids of one text, [CLS] ... [SEP], at most maxTokens long. An empty text gives [CLS] [SEP]. */
    public int[] encode(String text) {
        Encoding e = tokenizer.encode(text);
        long[] ids = e.getIds();
        int[] out = new int[Math.min(ids.length, maxTokens)];
        for (int i = 0; i < out.length; i++) {
            out[i] = Math.toIntExact(ids[i]);
        }
        return out;
    }

    public int[][] encode(List<String> texts) {
        int[][] out = new int[texts.size()][];
        for (int i = 0; i < out.length; i++) {
            out[i] = encode(texts.get(i));
        }
        return out;
    }

    public int maxTokens() {
        return maxTokens;
    }

    /** The tokenizer.json text, kept so saved models can carry their tokenizer. */
    public String json() {
        return json;
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
