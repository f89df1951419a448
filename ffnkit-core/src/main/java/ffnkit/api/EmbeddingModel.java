package ffnkit.api;

import ffnkit.io.FeedForwardCodecs;
import ffnkit.io.ModelFormatException;
import ffnkit.io.OnnxBertLoader;
import ffnkit.model.BertConfig;
import ffnkit.model.Encoder;
import ffnkit.tokenize.BertTokenizer;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The in-process API: load a model, embed texts, close.
 *
 * <pre>{@code
 * try (EmbeddingModel model = EmbeddingModel.load("all-minilm-l6-v2")) {
 *     float[] v = model.embed("A sentence.");
 *     float[][] vs = model.embed(List.of("one", "two"));
 * }
 * }</pre>
 *
 * A model is a built-in name ({@link BuiltinModel}), a BERT {@code .onnx} file with a
 * {@code tokenizer.json} beside it, or a Hugging Face BERT folder. Instances are safe to use from one
 * thread at a time; the kernels themselves use all threads of {@link ffnkit.kernels.Parallel}.
 */
public final class EmbeddingModel implements AutoCloseable {

    private final String name;
    private final Encoder encoder;
    private final BertTokenizer tokenizer;
    private final String queryPrefix;
    private final String passagePrefix;
    private String onnxSource;
    private int batchSize = 32;

    public EmbeddingModel(String name, Encoder encoder, BertTokenizer tokenizer, String queryPrefix, String passagePrefix) {
        this.name = name;
        this.encoder = encoder;
        this.tokenizer = tokenizer;
        this.queryPrefix = queryPrefix;
        this.passagePrefix = passagePrefix;
    }

    /** Loads a built-in model by name, or a model from a path. */
    public static EmbeddingModel load(String nameOrPath) {
        return load(nameOrPath, 0);
    }

    /** @param maxTokens truncation length overriding the model's default, or 0 for the default */
    public static EmbeddingModel load(String nameOrPath, int maxTokens) {
        return load(nameOrPath, maxTokens, FeedForwardCodecs.standard());
    }

    /**
     * @param codecs the FFN slot kinds saved models may hold; ffnkit-compress provides the registry
     *               that knows every compressed kind
     */
    public static EmbeddingModel load(String nameOrPath, int maxTokens, FeedForwardCodecs codecs) {
        if (nameOrPath.isEmpty()) {
            // Path.of("") is the current folder, which would fail as "cannot tell the format of "
            throw new ModelFormatException("the model name is empty: give a built-in model name ("
                    + String.join(", ", BuiltinModel.ALL.stream().map(BuiltinModel::name).toList()) + ") or a path");
        }
        var builtin = BuiltinModel.find(nameOrPath);
        if (builtin.isPresent()) {
            return loadBuiltin(builtin.get(), maxTokens);
        }
        return ModelLoaders.load(Path.of(nameOrPath), maxTokens, codecs);
    }

    private static EmbeddingModel loadBuiltin(BuiltinModel m, int maxTokens) {
        byte[] onnx = resource(m.onnxResource(), m.name());
        String tokenizerJson = new String(resource(m.tokenizerResource(), m.name()), StandardCharsets.UTF_8);
        OnnxBertLoader.Loaded loaded = OnnxBertLoader.load(onnx, m.name());
        int tokens = maxTokens > 0 ? maxTokens : m.maxTokens();
        BertConfig config = withTokens(loaded.weights().config(), tokens);
        Encoder encoder = Encoder.of(new ffnkit.model.BertWeights(config, loaded.weights().wordEmbeddings(),
                loaded.weights().positionEmbeddings(), loaded.weights().tokenTypeEmbeddings(),
                loaded.weights().embeddingNorm(), loaded.weights().layers()));
        return new EmbeddingModel(m.name(), encoder, new BertTokenizer(tokenizerJson, tokens), m.queryPrefix(),
                m.passagePrefix()).onnxSource(m.name());
    }

    /**
     * Where the ONNX file this model came from (or was compressed from) lives: a built-in name or
     * a path. Benchmarks and evaluations run ONNX Runtime on it as the baseline.
     */
    public EmbeddingModel onnxSource(String source) {
        this.onnxSource = source;
        return this;
    }

    /** The bytes of the ONNX baseline of this model; fails if the model has none (e.g. a plain HF folder). */
    public byte[] readOnnxSource() {
        if (onnxSource == null) {
            throw new ModelFormatException("model " + name + " has no ONNX original to run ONNX Runtime on: "
                    + "use a built-in model or a .onnx file");
        }
        var builtin = BuiltinModel.find(onnxSource);
        if (builtin.isPresent()) {
            return resource(builtin.get().onnxResource(), onnxSource);
        }
        try {
            return java.nio.file.Files.readAllBytes(Path.of(onnxSource));
        } catch (IOException e) {
            throw new ModelFormatException("cannot read the ONNX original " + onnxSource + ": " + e.getMessage(), e);
        }
    }

    public String onnxSourceName() {
        return onnxSource;
    }

    static BertConfig withTokens(BertConfig config, int tokens) {
        if (tokens < 2 || tokens > config.maxPositions()) {
            throw new IllegalArgumentException("--max-tokens " + tokens + " is out of range: the model accepts 2 to "
                    + config.maxPositions());
        }
        return config.withMaxTokens(tokens);
    }

    private static byte[] resource(String path, String model) {
        try (InputStream in = EmbeddingModel.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new ModelFormatException("built-in model " + model + " is not on the class path (" + path
                        + "): rebuild ffnkit so Maven fetches its model jar");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new ModelFormatException("cannot read built-in model " + model + ": " + e.getMessage(), e);
        }
    }

    /** The normalised (when the model says so) sentence embedding of one text. */
    public float[] embed(String text) {
        return embed(List.of(text))[0];
    }

    /** Embeddings of many texts, computed in batches of {@link #batchSize()}; each is independent of its batch mates. */
    public float[][] embed(List<String> texts) {
        float[][] out = new float[texts.size()][];
        for (int from = 0; from < texts.size(); from += batchSize) {
            List<String> batch = texts.subList(from, Math.min(texts.size(), from + batchSize));
            float[][] e = encoder.embed(tokenizer.encode(batch));
            System.arraycopy(e, 0, out, from, e.length);
        }
        return out;
    }

    /** Embeds queries with the model's query prefix (e5: "query: "). */
    public float[][] embedQueries(List<String> texts) {
        return embed(prefixed(queryPrefix, texts));
    }

    /** Embeds documents with the model's passage prefix (e5: "passage: "). */
    public float[][] embedPassages(List<String> texts) {
        return embed(prefixed(passagePrefix, texts));
    }

    private static List<String> prefixed(String prefix, List<String> texts) {
        if (prefix.isEmpty()) {
            return texts;
        }
        List<String> out = new ArrayList<>(texts.size());
        for (String t : texts) {
            out.add(prefix + t);
        }
        return out;
    }

    public int[][] tokenize(List<String> texts) {
        return tokenizer.encode(texts);
    }

    public String name() {
        return name;
    }

    public Encoder encoder() {
        return encoder;
    }

    public BertTokenizer tokenizer() {
        return tokenizer;
    }

    public int dimension() {
        return encoder.config().hidden();
    }

    public String queryPrefix() {
        return queryPrefix;
    }

    public String passagePrefix() {
        return passagePrefix;
    }

    public int batchSize() {
        return batchSize;
    }

    public EmbeddingModel batchSize(int size) {
        if (size < 1) {
            throw new IllegalArgumentException("batch size must be at least 1, got " + size);
        }
        this.batchSize = size;
        return this;
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
