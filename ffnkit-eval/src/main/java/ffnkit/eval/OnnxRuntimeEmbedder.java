package ffnkit.eval;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The oracle: a BERT-family sentence embedder run by ONNX Runtime (mean pooling over the attention
 * mask, then L2 normalisation, as all-MiniLM-L6-v2 and e5 prescribe), tokenised by the Hugging Face
 * tokenizers library from the model's tokenizer.json. ffnkit's own engine is compared against it
 * (same texts, same truncation), never built on it.
 */
public final class OnnxRuntimeEmbedder implements TextEmbedder {

    private final OrtEnvironment env = OrtEnvironment.getEnvironment();
    private final OrtSession session;
    private final HuggingFaceTokenizer tokenizer;
    private final boolean wantsTypeIds;

    /**
     * @param maxTokens truncation length including [CLS]/[SEP] (256 for all-MiniLM-L6-v2); the
     *                  tokenizer.json's own truncation and fixed padding are overridden
     */
    public OnnxRuntimeEmbedder(Path onnxModel, Path tokenizerJson, int maxTokens, int threads) {
        try {
            Map<String, String> options = new HashMap<>();
            options.put("truncation", "true");
            options.put("padding", "false");
            options.put("maxLength", Integer.toString(maxTokens));
            tokenizer = HuggingFaceTokenizer.newInstance(tokenizerJson, options);
            OrtSession.SessionOptions so = new OrtSession.SessionOptions();
            so.setIntraOpNumThreads(threads);
            session = env.createSession(onnxModel.toString(), so);
            wantsTypeIds = session.getInputNames().contains("token_type_ids");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + tokenizerJson + ": " + e.getMessage(), e);
        } catch (OrtException e) {
            throw new IllegalArgumentException("ONNX Runtime cannot open " + onnxModel + ": " + e.getMessage(), e);
        }
    }

    @Override
    public float[][] embed(List<String> texts) {
        Encoding[] enc = tokenizer.batchEncode(texts);
        int len = 0;
        for (Encoding e : enc) {
            len = Math.max(len, e.getIds().length);
        }
        long[][] ids = new long[enc.length][len];
        long[][] mask = new long[enc.length][len];
        long[][] types = new long[enc.length][len];
        for (int b = 0; b < enc.length; b++) {
            System.arraycopy(enc[b].getIds(), 0, ids[b], 0, enc[b].getIds().length);
            System.arraycopy(enc[b].getAttentionMask(), 0, mask[b], 0, enc[b].getAttentionMask().length);
            System.arraycopy(enc[b].getTypeIds(), 0, types[b], 0, enc[b].getTypeIds().length);
        }
        try (OnnxTensor tIds = OnnxTensor.createTensor(env, ids);
             OnnxTensor tMask = OnnxTensor.createTensor(env, mask);
             OnnxTensor tTypes = OnnxTensor.createTensor(env, types)) {
            Map<String, OnnxTensor> inputs = new HashMap<>();
            inputs.put("input_ids", tIds);
            inputs.put("attention_mask", tMask);
            if (wantsTypeIds) {
                inputs.put("token_type_ids", tTypes);
            }
            try (OrtSession.Result result = session.run(inputs)) {
                float[][][] hidden = (float[][][]) result.get(0).getValue(); // last_hidden_state [b, t, h]
                float[][] out = new float[enc.length][];
                for (int b = 0; b < enc.length; b++) {
                    out[b] = meanPoolNormalised(hidden[b], mask[b]);
                }
                return out;
            }
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime failed: " + e.getMessage(), e);
        }
    }

    private static float[] meanPoolNormalised(float[][] tokens, long[] mask) {
        int h = tokens[0].length;
        double[] sum = new double[h];
        int n = 0;
        for (int t = 0; t < tokens.length; t++) {
            if (mask[t] != 0) {
                n++;
                for (int i = 0; i < h; i++) {
                    sum[i] += tokens[t][i];
                }
            }
        }
        double norm = 0;
        for (int i = 0; i < h; i++) {
            sum[i] /= Math.max(n, 1);
            norm += sum[i] * sum[i];
        }
        float[] out = new float[h];
        double inv = norm > 0 ? 1 / Math.sqrt(norm) : 0;
        for (int i = 0; i < h; i++) {
            out[i] = (float) (sum[i] * inv);
        }
        return out;
    }

    @Override
    public void close() {
        try {
            session.close();
        } catch (OrtException e) {
            throw new IllegalStateException(e);
        }
        tokenizer.close();
    }
}
