package ffnkit.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import ffnkit.model.BertConfig;
import ffnkit.model.BertWeights;
import ffnkit.model.LayerNorm;
import ffnkit.model.Pooling;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Loads a Hugging Face BERT folder: {@code config.json} + {@code model.safetensors} (+
 * {@code tokenizer.json}, which the tokenizer glue reads), and the sentence-transformers files
 * when present ({@code modules.json}, {@code 1_Pooling/config.json}, {@code sentence_bert_config.json}).
 *
 * <p>Tensor names are the transformers ones, with or without the {@code bert.} prefix; both the
 * current LayerNorm {@code weight}/{@code bias} and the old {@code gamma}/{@code beta} names are
 * accepted. HF Linear weights are stored [out x in] and are transposed to our [in x out].
 * Tensors we do not use (pooler, MLM head, position_ids) are ignored.
 *
 * <p>How the sentence vector is formed: mean pooling unless the pooling config says CLS;
 * L2-normalised unless {@code modules.json} exists and lists no Normalize module;
 * max tokens from {@code sentence_bert_config.json}'s max_seq_length, else min(512, positions).
 */
public final class HfBertFolderLoader {

    public static final String CONFIG = "config.json";
    public static final String WEIGHTS = "model.safetensors";
    public static final String TOKENIZER = "tokenizer.json";

    private static final Pattern LAYER = Pattern.compile("^encoder\\.layer\\.(\\d+)\\.");

    private HfBertFolderLoader() {
    }

    /** True when {@code path} is a folder that looks like a Hugging Face model (has config.json). */
    public static boolean isHfFolder(Path path) {
        return Files.isDirectory(path) && Files.isRegularFile(path.resolve(CONFIG));
    }

    /** The folder's tokenizer.json; a clear error when it is missing. */
    public static Path tokenizer(Path folder) {
        Path t = folder.resolve(TOKENIZER);
        if (!Files.isRegularFile(t)) {
            throw new ModelFormatException(folder + " has no " + TOKENIZER
                    + ": save the tokenizer with the model (tokenizer.save_pretrained) into that folder");
        }
        return t;
    }

    public static BertWeights load(Path folder) throws IOException {
        if (!Files.isDirectory(folder)) {
            throw new ModelFormatException(folder + " is not a folder: give a Hugging Face model folder with "
                    + CONFIG + " and " + WEIGHTS);
        }
        try {
            return loadChecked(folder);
        } catch (ModelFormatException e) {
            // the messages name the file ("config.json has ..."); with several models around, name the folder too
            throw e.getMessage().startsWith(folder.toString()) ? e : new ModelFormatException(folder + ": " + e.getMessage(), e);
        }
    }

    private static BertWeights loadChecked(Path folder) throws IOException {
        BertConfig config = readConfig(folder);
        Path weights = folder.resolve(WEIGHTS);
        if (!Files.isRegularFile(weights)) {
            String hint = Files.exists(folder.resolve("model.safetensors.index.json"))
                    ? "sharded checkpoints are not supported; re-save with save_pretrained(..., max_shard_size=\"10GB\")"
                    : Files.exists(folder.resolve("pytorch_model.bin"))
                    ? "only pytorch_model.bin is there; convert it with save_pretrained(..., safe_serialization=True)"
                    : "add the model's weights as " + WEIGHTS;
            throw new ModelFormatException(folder + " has no " + WEIGHTS + ": " + hint);
        }
        try (SafetensorsFile file = SafetensorsFile.open(weights)) {
            return readWeights(config, new Tensors(file));
        }
    }

    /** The encoder shape and pooling of a folder, from config.json and the sentence-transformers files. */
    public static BertConfig readConfig(Path folder) throws IOException {
        JsonNode c = readJson(folder.resolve(CONFIG), true);
        String modelType = c.path("model_type").asText("bert");
        if (!modelType.equals("bert")) {
            throw new ModelFormatException(CONFIG + " has model_type '" + modelType
                    + "': only BERT models are supported (RoBERTa-style models offset their positions differently)");
        }
        String act = c.path("hidden_act").asText("gelu");
        if (!act.equals("gelu")) {
            throw new ModelFormatException(CONFIG + " has hidden_act '" + act
                    + "': only exact erf GELU ('gelu') is supported");
        }
        String positions = c.path("position_embedding_type").asText("absolute");
        if (!positions.equals("absolute")) {
            throw new ModelFormatException(CONFIG + " has position_embedding_type '" + positions
                    + "': only 'absolute' is supported");
        }
        int hidden = requiredInt(c, "hidden_size", CONFIG);
        int layers = requiredInt(c, "num_hidden_layers", CONFIG);
        int heads = requiredInt(c, "num_attention_heads", CONFIG);
        int intermediate = requiredInt(c, "intermediate_size", CONFIG);
        int vocab = requiredInt(c, "vocab_size", CONFIG);
        int maxPositions = requiredInt(c, "max_position_embeddings", CONFIG);
        int typeVocab = c.has("type_vocab_size") ? requiredInt(c, "type_vocab_size", CONFIG) : 2;
        float eps = c.has("layer_norm_eps") ? (float) c.get("layer_norm_eps").asDouble() : 1e-12f;

        Pooling pooling = readPooling(folder);
        boolean normalize = readNormalize(folder);
        int maxTokens = Math.min(512, maxPositions);
        JsonNode sbert = readJson(folder.resolve("sentence_bert_config.json"), false);
        if (sbert != null && sbert.has("max_seq_length")) {
            int m = requiredInt(sbert, "max_seq_length", "sentence_bert_config.json");
            if (m < 2) {
                throw new ModelFormatException("sentence_bert_config.json has max_seq_length " + m + ": it must be at least 2");
            }
            maxTokens = Math.min(m, maxPositions);
        }
        try {
            return new BertConfig(vocab, hidden, layers, heads, intermediate, maxPositions, typeVocab, eps,
                    pooling, normalize, maxTokens);
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(CONFIG + " describes an invalid encoder: " + e.getMessage(), e);
        }
    }

    private static Pooling readPooling(Path folder) throws IOException {
        JsonNode p = readJson(folder.resolve(poolingFolder(folder)).resolve("config.json"), false);
        if (p == null) {
            return Pooling.MEAN;
        }
        for (String unsupported : new String[] {"pooling_mode_max_tokens", "pooling_mode_mean_sqrt_len_tokens",
                "pooling_mode_weightedmean_tokens", "pooling_mode_lasttoken"}) {
            if (p.path(unsupported).asBoolean(false)) {
                throw new ModelFormatException("the pooling config sets " + unsupported
                        + ": only mean and CLS pooling are supported");
            }
        }
        boolean cls = p.path("pooling_mode_cls_token").asBoolean(false);
        boolean mean = p.path("pooling_mode_mean_tokens").asBoolean(false);
        if (cls && mean) {
            throw new ModelFormatException("the pooling config enables both CLS and mean pooling (concatenated): not supported");
        }
        return cls ? Pooling.CLS : Pooling.MEAN;
    }

    /** The Pooling module's folder from modules.json, else the conventional 1_Pooling. */
    private static String poolingFolder(Path folder) throws IOException {
        JsonNode modules = readJson(folder.resolve("modules.json"), false);
        if (modules != null && modules.isArray()) {
            for (JsonNode m : modules) {
                if (m.path("type").asText("").endsWith(".Pooling") && m.hasNonNull("path")) {
                    return m.get("path").asText();
                }
            }
        }
        return "1_Pooling";
    }

    private static boolean readNormalize(Path folder) throws IOException {
        JsonNode modules = readJson(folder.resolve("modules.json"), false);
        if (modules == null || !modules.isArray()) {
            return true;
        }
        for (JsonNode m : modules) {
            if (m.path("type").asText("").endsWith(".Normalize")) {
                return true;
            }
        }
        return false;
    }

    private static BertWeights readWeights(BertConfig c, Tensors t) {
        int d = c.hidden();
        int m = c.intermediate();
        t.checkLayerCount(c.layers());
        float[] word = t.matrix("embeddings.word_embeddings.weight", c.vocabSize(), d);
        float[] pos = t.matrix("embeddings.position_embeddings.weight", c.maxPositions(), d);
        float[] type = t.matrix("embeddings.token_type_embeddings.weight", c.typeVocabSize(), d);
        LayerNorm embNorm = t.layerNorm("embeddings.LayerNorm", d, c.layerNormEps());
        List<BertWeights.Layer> layers = new ArrayList<>();
        for (int i = 0; i < c.layers(); i++) {
            String p = "encoder.layer." + i + ".";
            layers.add(new BertWeights.Layer(
                    t.linear(p + "attention.self.query.weight", d, d), t.vector(p + "attention.self.query.bias", d),
                    t.linear(p + "attention.self.key.weight", d, d), t.vector(p + "attention.self.key.bias", d),
                    t.linear(p + "attention.self.value.weight", d, d), t.vector(p + "attention.self.value.bias", d),
                    t.linear(p + "attention.output.dense.weight", d, d), t.vector(p + "attention.output.dense.bias", d),
                    t.layerNorm(p + "attention.output.LayerNorm", d, c.layerNormEps()),
                    t.linear(p + "intermediate.dense.weight", d, m), t.vector(p + "intermediate.dense.bias", m),
                    t.linear(p + "output.dense.weight", m, d), t.vector(p + "output.dense.bias", d),
                    t.layerNorm(p + "output.LayerNorm", d, c.layerNormEps())));
        }
        return new BertWeights(c, word, pos, type, embNorm, layers).validate();
    }

    /** Name resolution (prefix, old LayerNorm names) and shape checks over the weights file. */
    private static final class Tensors {
        private final SafetensorsFile file;
        private final String prefix;

        Tensors(SafetensorsFile file) {
            this.file = file;
            // BertForMaskedLM and friends save the encoder under "bert."; BertModel saves it bare.
            this.prefix = file.has("bert.embeddings.word_embeddings.weight") ? "bert." : "";
        }

        void checkLayerCount(int layers) {
            for (SafetensorsFile.TensorInfo info : file.tensors()) {
                String name = info.name().startsWith(prefix) ? info.name().substring(prefix.length()) : info.name();
                Matcher matcher = LAYER.matcher(name);
                if (matcher.find() && Integer.parseInt(matcher.group(1)) >= layers) {
                    throw new ModelFormatException(WEIGHTS + " has tensor '" + info.name() + "' but " + CONFIG
                            + " declares " + layers + " layers: the config does not belong to these weights");
                }
            }
        }

        /** A [rows x cols] table stored as is (embeddings). */
        float[] matrix(String name, int rows, int cols) {
            return floats(name, rows, cols);
        }

        /** A Linear weight: stored [out x in] by PyTorch, returned [in x out]. */
        float[] linear(String name, int in, int out) {
            float[] w = floats(name, out, in);
            float[] t = new float[w.length];
            for (int o = 0; o < out; o++) {
                for (int i = 0; i < in; i++) {
                    t[i * out + o] = w[o * in + i];
                }
            }
            return t;
        }

        float[] vector(String name, int n) {
            return floats(name, n);
        }

        LayerNorm layerNorm(String base, int d, float eps) {
            String gamma = file.has(prefix + base + ".weight") || !file.has(prefix + base + ".gamma") ? ".weight" : ".gamma";
            String beta = file.has(prefix + base + ".bias") || !file.has(prefix + base + ".beta") ? ".bias" : ".beta";
            return new LayerNorm(floats(base + gamma, d), floats(base + beta, d), eps);
        }

        private float[] floats(String name, long... shape) {
            String full = prefix + name;
            if (!file.has(full)) {
                throw new ModelFormatException(WEIGHTS + " is missing tensor '" + full
                        + "': not a BERT checkpoint, or saved from a different architecture");
            }
            SafetensorsFile.TensorInfo info = file.tensor(full);
            if (!java.util.Arrays.equals(info.shape(), shape)) {
                throw new ModelFormatException(WEIGHTS + ": tensor '" + full + "' has shape " + info.shapeString()
                        + ", expected " + java.util.Arrays.toString(shape) + " from " + CONFIG);
            }
            return file.floats(full);
        }
    }

    private static int requiredInt(JsonNode c, String key, String fileName) {
        JsonNode v = c.get(key);
        if (v == null || !v.canConvertToInt() || !v.isIntegralNumber()) {
            throw new ModelFormatException(fileName + " is missing integer '" + key + "'"
                    + (v == null ? "" : " (found " + v + ")"));
        }
        return v.intValue();
    }

    private static JsonNode readJson(Path file, boolean required) throws IOException {
        if (!Files.isRegularFile(file)) {
            if (required) {
                throw new ModelFormatException(file.getParent() + " has no " + file.getFileName()
                        + ": a Hugging Face model folder needs config.json and model.safetensors");
            }
            return null;
        }
        try {
            return new ObjectMapper().readTree(file.toFile());
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            throw new ModelFormatException(file + " is not valid JSON: " + e.getOriginalMessage(), e);
        }
    }
}
