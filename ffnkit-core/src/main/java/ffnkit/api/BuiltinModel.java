package ffnkit.api;

import java.util.List;
import java.util.Optional;

/**
 * Models that ship with ffnkit through Maven dependencies (langchain4j's model jars): nothing is
 * downloaded at run time. The ONNX files are read from the class path.
 *
 * @param queryPrefix   text put before queries (e5 was trained with "query: ")
 * @param passagePrefix text put before documents (e5: "passage: ")
 */
public record BuiltinModel(String name, String onnxResource, String tokenizerResource, int maxTokens,
                           String queryPrefix, String passagePrefix, String description) {

    public static final String DEFAULT = "all-minilm-l6-v2";

    public static final List<BuiltinModel> ALL = List.of(
            new BuiltinModel("all-minilm-l6-v2", "/all-minilm-l6-v2.onnx", "/all-minilm-l6-v2-tokenizer.json", 256,
                    "", "", "sentence-transformers all-MiniLM-L6-v2, fp32 (6 layers, d=384, FFN 1536), mean pooling"),
            new BuiltinModel("e5-small-v2", "/e5-small-v2-q.onnx", "/e5-small-v2-q-tokenizer.json", 512,
                    "query: ", "passage: ", "intfloat e5-small-v2, int8 weights dequantised to fp32 (12 layers, d=384, FFN 1536), "
                    + "mean pooling; prefix queries with 'query: ' and documents with 'passage: '"));

    public static Optional<BuiltinModel> find(String name) {
        return ALL.stream().filter(m -> m.name.equalsIgnoreCase(name)).findFirst();
    }
}
