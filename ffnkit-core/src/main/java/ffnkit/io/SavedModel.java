package ffnkit.io;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import ffnkit.model.BertConfig;
import ffnkit.model.DenseLinear;
import ffnkit.model.Encoder;
import ffnkit.model.EncoderLayer;
import ffnkit.model.FeedForward;
import ffnkit.model.LayerNorm;
import ffnkit.model.Pooling;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.CRC32C;

/**
 * A saved ffnkit model: one safetensors file holding every tensor of an {@link Encoder}, whatever
 * its FFN slots are, plus {@code __metadata__} that makes the file self-describing:
 *
 * <pre>
 * ffnkit.format     "ffnkit-model/1"
 * ffnkit.config     the architecture: {"vocab_size":..,"hidden_size":..,"num_hidden_layers":..,"num_attention_heads":..,
 *                   "intermediate_size":..,"max_position_embeddings":..,"type_vocab_size":..,
 *                   "layer_norm_eps":..,"embedding_norm_eps":..,"pooling":"mean"|"cls",
 *                   "normalize":true,"max_tokens":..}
 * ffnkit.layers     one entry per layer: {"attention_norm_eps":..,"output_norm_eps":..,
 *                   "ffn":{"kind":"dense","activation":"gelu",...codec parameters}}
 * ffnkit.tokenizer  the tokenizer.json text (absent when none was given)
 * ffnkit.info       free-form string map from the writer (source model, compression settings)
 * ffnkit.checksum   "crc32c:xxxxxxxx" over the whole data section
 * ffnkit.metadata_checksum  "crc32c:xxxxxxxx" over every other metadata entry (sorted by key), so a
 *                   damaged tokenizer or config string is caught too
 * </pre>
 *
 * Tensors (all F32 unless a slot codec chooses otherwise): {@code embeddings.word} [V x d],
 * {@code embeddings.position} [P x d], {@code embeddings.token_type} [T x d],
 * {@code embeddings.norm.gamma|beta} [d]; per layer N: {@code layers.N.attention.qkv.weight}
 * [d x 3d] and {@code .bias} [3d], {@code layers.N.attention.output.weight} [d x d] and
 * {@code .bias}, {@code layers.N.attention.norm.gamma|beta}, the slot's tensors under
 * {@code layers.N.ffn.}, and {@code layers.N.output.norm.gamma|beta}. Matrices are row-major
 * [in x out] (x·W), as the encoder uses them.
 *
 * <p>Reading validates everything (structure, format version, checksum, every shape) before an
 * encoder is built, and fails with a one-line {@link ModelFormatException}.
 */
public final class SavedModel {

    public static final String FORMAT = "ffnkit-model/1";
    static final String FORMAT_PREFIX = "ffnkit-model/";

    public static final String KEY_FORMAT = "ffnkit.format";
    public static final String KEY_CONFIG = "ffnkit.config";
    public static final String KEY_LAYERS = "ffnkit.layers";
    public static final String KEY_TOKENIZER = "ffnkit.tokenizer";
    public static final String KEY_INFO = "ffnkit.info";
    public static final String KEY_CHECKSUM = "ffnkit.checksum";
    public static final String KEY_METADATA_CHECKSUM = "ffnkit.metadata_checksum";

    private static final String CHECKSUM_ALGORITHM = "crc32c:";

    /** What a saved model holds. {@code tokenizerJson} is null when the file carries no tokenizer. */
    public record Loaded(Encoder encoder, String tokenizerJson, Map<String, String> info) {
    }

    private SavedModel() {
    }

    /** Writes with the {@linkplain FeedForwardCodecs#standard() standard} codec registry. */
    public static void write(Path file, Encoder encoder, Map<String, String> extraInfo, byte[] tokenizerJson)
            throws IOException {
        write(file, encoder, extraInfo, tokenizerJson, FeedForwardCodecs.standard());
    }

    /**
     * Writes the model atomically (temporary file, fsync, rename).
     *
     * @param extraInfo     free-form strings stored under ffnkit.info (may be empty or null)
     * @param tokenizerJson the tokenizer.json bytes (UTF-8), or null to save none
     * @throws IllegalArgumentException if a slot has no registered codec or the tokenizer is not UTF-8
     */
    public static void write(Path file, Encoder encoder, Map<String, String> extraInfo, byte[] tokenizerJson,
                             FeedForwardCodecs codecs) throws IOException {
        ObjectMapper json = new ObjectMapper();
        BertConfig c = encoder.config();
        int d = c.hidden();
        SafetensorsWriter out = new SafetensorsWriter();

        out.add("embeddings.word", encoder.wordEmbeddings(), c.vocabSize(), d);
        out.add("embeddings.position", encoder.positionEmbeddings(), c.maxPositions(), d);
        out.add("embeddings.token_type", encoder.tokenTypeEmbeddings(), c.typeVocabSize(), d);
        writeNorm(encoder.embeddingNorm(), "embeddings.norm.", out);

        ArrayNode layers = json.createArrayNode();
        for (int i = 0; i < encoder.layers().size(); i++) {
            EncoderLayer layer = encoder.layers().get(i);
            String p = "layers." + i + ".";
            writeLinear(layer.qkv(), p + "attention.qkv.", out);
            writeLinear(layer.attentionOutput(), p + "attention.output.", out);
            writeNorm(layer.attentionNorm(), p + "attention.norm.", out);
            Map<String, Object> slot = codecs.write(layer.feedForward(), p + "ffn.", out, "layer " + i);
            writeNorm(layer.outputNorm(), p + "output.norm.", out);
            ObjectNode entry = layers.addObject();
            entry.put("attention_norm_eps", layer.attentionNorm().eps());
            entry.put("output_norm_eps", layer.outputNorm().eps());
            entry.set("ffn", json.valueToTree(slot));
        }

        out.metadata(KEY_FORMAT, FORMAT);
        out.metadata(KEY_CONFIG, configJson(json, c, encoder.embeddingNorm().eps()));
        out.metadata(KEY_LAYERS, layers.toString());
        if (tokenizerJson != null) {
            out.metadata(KEY_TOKENIZER, utf8(tokenizerJson));
        }
        out.metadata(KEY_INFO, json.valueToTree(extraInfo == null ? Map.of() : new LinkedHashMap<>(extraInfo)).toString());
        out.metadata(KEY_CHECKSUM, checksumString(out.dataChecksum()));
        out.metadata(KEY_METADATA_CHECKSUM, checksumString(metadataChecksum(out.metadata())));
        out.write(file);
    }

    /** Reads with the {@linkplain FeedForwardCodecs#standard() standard} codec registry. */
    public static Loaded read(Path file) throws IOException {
        return read(file, FeedForwardCodecs.standard());
    }

    public static Loaded read(Path file, FeedForwardCodecs codecs) throws IOException {
        try (SafetensorsFile in = SafetensorsFile.open(file)) {
            String name = file.getFileName().toString();
            Map<String, String> meta = in.metadata();
            checkFormat(name, meta);
            checkChecksum(name, in, meta);
            checkFinite(name, in);
            try {
                return decode(in, meta, codecs);
            } catch (ModelFormatException e) {
                throw e.getMessage().startsWith(name) ? e : new ModelFormatException(name + ": " + e.getMessage(), e);
            }
        }
    }

    /**
     * True when the file looks like safetensors (a .safetensors or .st name, or an 8-byte header
     * length followed by '{'), whether or not it is intact. Loaders pick the reader by this, so a
     * damaged saved model reaches {@link #read}, whose error says what is wrong with it.
     */
    public static boolean looksLikeSafetensors(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".safetensors") || name.endsWith(".st")) {
            return true;
        }
        try (InputStream in = Files.newInputStream(file)) {
            byte[] start = in.readNBytes(9);
            return start.length == 9 && start[8] == '{';
        } catch (IOException e) {
            return false;
        }
    }

    /** True when the file is a safetensors file written by {@link #write} (of any format version). */
    public static boolean isSavedModel(Path file) {
        try (SafetensorsFile in = SafetensorsFile.open(file)) {
            return in.metadata().containsKey(KEY_FORMAT);
        } catch (IOException | ModelFormatException e) {
            return false;
        }
    }

    private static void checkFormat(String name, Map<String, String> meta) {
        String format = meta.get(KEY_FORMAT);
        if (format == null) {
            throw new ModelFormatException(name + " is a safetensors file but not an ffnkit saved model (no "
                    + KEY_FORMAT + " metadata): load Hugging Face weights through their model folder instead");
        }
        if (!format.equals(FORMAT)) {
            String fix = format.startsWith(FORMAT_PREFIX) ? "this file needs a newer ffnkit" : "not an ffnkit model file";
            throw new ModelFormatException(name + " has unsupported format '" + format + "' (this ffnkit reads "
                    + FORMAT + "): " + fix);
        }
    }

    private static void checkChecksum(String name, SafetensorsFile in, Map<String, String> meta) {
        String stored = meta.get(KEY_CHECKSUM);
        if (stored == null) {
            throw new ModelFormatException(name + " has no " + KEY_CHECKSUM + " metadata: the file is damaged; re-create it");
        }
        String actual = checksumString(in.dataChecksum());
        if (!stored.equals(actual)) {
            throw new ModelFormatException(name + " is corrupt: checksum mismatch in the data section (stored "
                    + stored + ", computed " + actual + "); re-create or re-download it");
        }
        String storedMeta = meta.get(KEY_METADATA_CHECKSUM);
        String actualMeta = checksumString(metadataChecksum(meta));
        if (storedMeta == null || !storedMeta.equals(actualMeta)) {
            throw new ModelFormatException(name + " is corrupt: checksum mismatch in the metadata (stored "
                    + storedMeta + ", computed " + actualMeta + "); re-create or re-download it");
        }
    }

    /**
     * Valid checksums only prove the file is as written; a diverged compression run can still have
     * written NaN or infinite weights, which would make every embedding NaN. One pass over the floats.
     */
    private static void checkFinite(String name, SafetensorsFile in) {
        for (SafetensorsFile.TensorInfo t : in.tensors()) {
            long at = in.firstNonFinite(t.name());
            if (at >= 0) {
                throw new ModelFormatException(name + ": tensor '" + t.name() + "' holds a NaN or infinite value (element "
                        + at + "): the model is unusable; re-create it");
            }
        }
    }

    /** CRC32C over "key NUL value NUL" of every metadata entry but the metadata checksum, in key order. */
    static long metadataChecksum(Map<String, String> meta) {
        CRC32C crc = new CRC32C();
        for (String key : new TreeMap<>(meta).keySet()) {
            if (key.equals(KEY_METADATA_CHECKSUM)) {
                continue;
            }
            crc.update(key.getBytes(StandardCharsets.UTF_8));
            crc.update(0);
            crc.update(meta.get(key).getBytes(StandardCharsets.UTF_8));
            crc.update(0);
        }
        return crc.getValue();
    }

    private static Loaded decode(SafetensorsFile in, Map<String, String> meta, FeedForwardCodecs codecs) {
        ObjectMapper json = SafetensorsFile.headerMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
        JsonNode cfg = parse(json, meta, KEY_CONFIG);
        BertConfig c = config(cfg);
        float embeddingEps = floatField(cfg, "embedding_norm_eps", KEY_CONFIG);
        int d = c.hidden();

        JsonNode layerList = parse(json, meta, KEY_LAYERS);
        if (!layerList.isArray() || layerList.size() != c.layers()) {
            throw new ModelFormatException(KEY_LAYERS + " describes " + (layerList.isArray() ? layerList.size() : 0)
                    + " layers but " + KEY_CONFIG + " declares " + c.layers());
        }

        float[] word = in.floats("embeddings.word", c.vocabSize(), d);
        float[] position = in.floats("embeddings.position", c.maxPositions(), d);
        float[] tokenType = in.floats("embeddings.token_type", c.typeVocabSize(), d);
        LayerNorm embeddingNorm = readNorm(in, "embeddings.norm.", d, embeddingEps);

        List<EncoderLayer> layers = new ArrayList<>();
        for (int i = 0; i < c.layers(); i++) {
            JsonNode entry = layerList.get(i);
            String p = "layers." + i + ".";
            String where = "layer " + i;
            if (!entry.path("ffn").isObject()) {
                throw new ModelFormatException(KEY_LAYERS + " has no FFN slot description for " + where);
            }
            DenseLinear qkv = DenseFeedForwardCodec.readLinear(in, p + "attention.qkv.", d, 3 * d, true);
            DenseLinear attnOut = DenseFeedForwardCodec.readLinear(in, p + "attention.output.", d, d, true);
            LayerNorm attnNorm = readNorm(in, p + "attention.norm.", d, floatField(entry, "attention_norm_eps", KEY_LAYERS));
            Map<String, Object> slot = json.convertValue(entry.get("ffn"), new TypeReference<Map<String, Object>>() { });
            FeedForward ffn = codecs.read(slot, p + "ffn.", in, where);
            if (ffn.inputDim() != d || ffn.outputDim() != d) {
                throw new ModelFormatException("the FFN slot of " + where + " maps " + ffn.inputDim() + " -> "
                        + ffn.outputDim() + " but the model's hidden size is " + d);
            }
            LayerNorm outNorm = readNorm(in, p + "output.norm.", d, floatField(entry, "output_norm_eps", KEY_LAYERS));
            layers.add(new EncoderLayer(qkv, attnOut, attnNorm, ffn, outNorm));
        }
        List<String> unread = in.unreadTensors();
        if (!unread.isEmpty()) {
            throw new ModelFormatException("tensor '" + unread.getFirst() + "'" + (unread.size() > 1 ? " (and "
                    + (unread.size() - 1) + " more)" : "") + " is not described by the metadata: the file is damaged; re-create it");
        }
        Encoder encoder = new Encoder(c, word, position, tokenType, embeddingNorm, layers);

        Map<String, String> info = new LinkedHashMap<>();
        if (meta.containsKey(KEY_INFO)) {
            JsonNode infoNode = parse(json, meta, KEY_INFO);
            infoNode.properties().forEach(e -> info.put(e.getKey(), e.getValue().asText()));
        }
        return new Loaded(encoder, meta.get(KEY_TOKENIZER), Map.copyOf(info));
    }

    // ---- config JSON ----

    private static String configJson(ObjectMapper json, BertConfig c, float embeddingNormEps) {
        ObjectNode n = json.createObjectNode();
        n.put("vocab_size", c.vocabSize());
        n.put("hidden_size", c.hidden());
        n.put("num_hidden_layers", c.layers());
        n.put("num_attention_heads", c.heads());
        n.put("intermediate_size", c.intermediate());
        n.put("max_position_embeddings", c.maxPositions());
        n.put("type_vocab_size", c.typeVocabSize());
        // floats are written with Float.toString, which reads back to the identical float
        n.put("layer_norm_eps", c.layerNormEps());
        n.put("embedding_norm_eps", embeddingNormEps);
        n.put("pooling", c.pooling().name().toLowerCase(Locale.ROOT));
        n.put("normalize", c.normalize());
        n.put("max_tokens", c.maxTokens());
        return n.toString();
    }

    private static BertConfig config(JsonNode n) {
        String pooling = textField(n, "pooling", KEY_CONFIG);
        Pooling p = switch (pooling) {
            case "mean" -> Pooling.MEAN;
            case "cls" -> Pooling.CLS;
            default -> throw new ModelFormatException(KEY_CONFIG + " has unknown pooling '" + pooling
                    + "': this file needs a newer ffnkit");
        };
        JsonNode normalize = n.get("normalize");
        if (normalize == null || !normalize.isBoolean()) {
            throw new ModelFormatException(KEY_CONFIG + " is missing boolean 'normalize'");
        }
        try {
            return new BertConfig(intField(n, "vocab_size"), intField(n, "hidden_size"), intField(n, "num_hidden_layers"),
                    intField(n, "num_attention_heads"), intField(n, "intermediate_size"), intField(n, "max_position_embeddings"),
                    intField(n, "type_vocab_size"), floatField(n, "layer_norm_eps", KEY_CONFIG), p,
                    normalize.booleanValue(), intField(n, "max_tokens"));
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(KEY_CONFIG + " describes an invalid encoder: " + e.getMessage(), e);
        }
    }

    private static JsonNode parse(ObjectMapper json, Map<String, String> meta, String key) {
        String text = meta.get(key);
        if (text == null) {
            throw new ModelFormatException("missing " + key + " metadata: the file is damaged; re-create it");
        }
        try {
            return json.readTree(text);
        } catch (IOException e) {
            throw new ModelFormatException(key + " metadata is not valid JSON: the file is damaged; re-create it", e);
        }
    }

    private static int intField(JsonNode n, String key) {
        JsonNode v = n.get(key);
        if (v == null || !v.isIntegralNumber() || !v.canConvertToInt()) {
            throw new ModelFormatException(KEY_CONFIG + " is missing integer '" + key + "'");
        }
        return v.intValue();
    }

    private static String textField(JsonNode n, String key, String where) {
        JsonNode v = n.get(key);
        if (v == null || !v.isTextual()) {
            throw new ModelFormatException(where + " is missing text '" + key + "'");
        }
        return v.textValue();
    }

    /** Parsed from the decimal text, so the float written by Float.toString comes back bit for bit. */
    private static float floatField(JsonNode n, String key, String where) {
        JsonNode v = n.get(key);
        if (v == null || v.isNull()) {
            throw new ModelFormatException(where + " is missing number '" + key + "'");
        }
        // present but unusable ("NaN", text, or beyond float range) is damage, not absence
        float f = v.isNumber() ? Float.parseFloat(v.decimalValue().toString()) : Float.NaN;
        if (!Float.isFinite(f)) {
            throw new ModelFormatException(where + " has '" + key + "' = " + v + ", which is not a finite number: "
                    + "the file is damaged; re-create it");
        }
        return f;
    }

    // ---- tensors ----

    private static void writeLinear(DenseLinear l, String name, SafetensorsWriter out) {
        out.add(name + "weight", l.weight().toRowMajor(), l.inputDim(), l.outputDim());
        // BERT's attention always has biases; a bias-less layer is saved with zeros, which adds nothing.
        out.add(name + "bias", l.bias() != null ? l.bias() : new float[l.outputDim()], l.outputDim());
    }

    private static void writeNorm(LayerNorm n, String name, SafetensorsWriter out) {
        out.add(name + "gamma", n.gamma(), n.dim());
        out.add(name + "beta", n.beta(), n.dim());
    }

    private static LayerNorm readNorm(SafetensorsFile in, String name, int d, float eps) {
        return new LayerNorm(in.floats(name + "gamma", d), in.floats(name + "beta", d), eps);
    }

    /** The checksum as stored in metadata, "crc32c:xxxxxxxx"; calibration files use the same form. */
    public static String checksumString(long crc) {
        return CHECKSUM_ALGORITHM + String.format(Locale.ROOT, "%08x", crc);
    }

    private static String utf8(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("tokenizer.json is not valid UTF-8", e);
        }
    }
}
