package ffnkit.api;

import ffnkit.io.FeedForwardCodecs;
import ffnkit.io.HfBertFolderLoader;
import ffnkit.io.ModelFormatException;
import ffnkit.io.SavedModel;
import ffnkit.model.BertWeights;
import ffnkit.io.OnnxBertLoader;
import ffnkit.model.Encoder;
import ffnkit.tokenize.BertTokenizer;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Loading models from paths: which format a path holds, and where its tokenizer is. */
final class ModelLoaders {

    private ModelLoaders() {
    }

    static EmbeddingModel load(Path path, int maxTokens, FeedForwardCodecs codecs) {
        if (!Files.exists(path)) {
            throw new ModelFormatException("model not found: " + path + " is neither a built-in model name ("
                    + String.join(", ", BuiltinModel.ALL.stream().map(BuiltinModel::name).toList())
                    + ") nor an existing file or folder");
        }
        String file = path.getFileName().toString();
        if (Files.isRegularFile(path) && file.endsWith(".onnx")) {
            // by content first: a saved model renamed to .onnx carries its own tokenizer and would
            // otherwise fail as "no tokenizer found" or as a corrupt ONNX file
            return SavedModel.isSavedModel(path) ? loadSaved(path, maxTokens, codecs) : loadOnnx(path, maxTokens);
        }
        if (Files.isDirectory(path) && HfBertFolderLoader.isHfFolder(path)) {
            return loadHfFolder(path, maxTokens);
        }
        // By look, not by a successful read: a damaged saved model must get the reader's error
        // (truncated, not an ffnkit model, ...), not "cannot tell the format".
        if (Files.isRegularFile(path) && SavedModel.looksLikeSafetensors(path)) {
            return loadSaved(path, maxTokens, codecs);
        }
        throw new ModelFormatException("cannot tell the format of " + path
                + ": expected an ffnkit saved model (.safetensors from ffnkit compress or convert), "
                + "a .onnx file with tokenizer.json beside it, or a Hugging Face BERT folder "
                + "(config.json, model.safetensors, tokenizer.json)");
    }

    private static EmbeddingModel loadOnnx(Path onnx, int maxTokens) {
        Path tokenizer = tokenizerBeside(onnx);
        OnnxBertLoader.Loaded loaded = OnnxBertLoader.load(onnx);
        var w = loaded.weights();
        int tokens = maxTokens > 0 ? maxTokens : Math.min(512, w.config().maxPositions());
        var config = EmbeddingModel.withTokens(w.config(), tokens);
        Encoder encoder = Encoder.of(new ffnkit.model.BertWeights(config, w.wordEmbeddings(), w.positionEmbeddings(),
                w.tokenTypeEmbeddings(), w.embeddingNorm(), w.layers()));
        return new EmbeddingModel(onnx.getFileName().toString(), encoder,
                new BertTokenizer(readString(tokenizer), tokens), "", "").onnxSource(onnx.toString());
    }

    private static EmbeddingModel loadHfFolder(Path folder, int maxTokens) {
        BertWeights w;
        try {
            w = HfBertFolderLoader.load(folder);
        } catch (IOException e) {
            throw new ModelFormatException("cannot read " + folder + ": " + e.getMessage(), e);
        }
        int tokens = maxTokens > 0 ? maxTokens : w.config().maxTokens();
        var config = EmbeddingModel.withTokens(w.config(), tokens);
        Encoder encoder = Encoder.of(new BertWeights(config, w.wordEmbeddings(), w.positionEmbeddings(),
                w.tokenTypeEmbeddings(), w.embeddingNorm(), w.layers()));
        return new EmbeddingModel(folder.getFileName().toString(), encoder,
                new BertTokenizer(readString(HfBertFolderLoader.tokenizer(folder)), tokens), "", "");
    }

    /** A saved ffnkit model: slots of any registered kind, the tokenizer inside, prefixes and ONNX original in its info. */
    private static EmbeddingModel loadSaved(Path file, int maxTokens, FeedForwardCodecs codecs) {
        SavedModel.Loaded saved;
        try {
            saved = SavedModel.read(file, codecs);
        } catch (IOException e) {
            throw new ModelFormatException("cannot read " + file + ": " + e.getMessage(), e);
        }
        if (saved.tokenizerJson() == null) {
            // every ffnkit command saves the tokenizer, so its absence means the header was damaged
            throw new ModelFormatException(file.getFileName() + " has no " + SavedModel.KEY_TOKENIZER
                    + " metadata: the file is damaged; re-create it");
        }
        Encoder encoder = saved.encoder();
        int tokens = maxTokens > 0 ? maxTokens : encoder.config().maxTokens();
        if (tokens != encoder.config().maxTokens()) {
            encoder = encoder.withConfig(EmbeddingModel.withTokens(encoder.config(), tokens));
        }
        var info = saved.info();
        EmbeddingModel model = new EmbeddingModel(file.getFileName().toString(), encoder,
                new BertTokenizer(saved.tokenizerJson(), tokens), info.getOrDefault(SavedModelInfo.QUERY_PREFIX, ""),
                info.getOrDefault(SavedModelInfo.PASSAGE_PREFIX, ""));
        return model.onnxSource(info.get(SavedModelInfo.SOURCE_MODEL));
    }

    /** tokenizer.json in the same folder, or NAME-tokenizer.json for NAME.onnx (langchain4j's naming). */
    static Path tokenizerBeside(Path model) {
        Path dir = model.toAbsolutePath().getParent();
        String base = model.getFileName().toString().replaceFirst("\\.[^.]+$", "");
        for (Path candidate : new Path[] {dir.resolve(base + "-tokenizer.json"), dir.resolve("tokenizer.json")}) {
            if (Files.isRegularFile(candidate)) {
                return candidate;
            }
        }
        throw new ModelFormatException("no tokenizer found for " + model + ": put its tokenizer.json in " + dir);
    }

    static String readString(Path p) {
        try {
            return Files.readString(p, StandardCharsets.UTF_8);
        } catch (CharacterCodingException e) {
            // the JDK's message is only "Input length = 1"
            throw new ModelFormatException("cannot read " + p + ": it is not valid UTF-8 text; "
                    + "use the tokenizer.json saved with the model", e);
        } catch (IOException e) {
            throw new ModelFormatException("cannot read " + p + ": " + e.getMessage(), e);
        }
    }
}
