package ffnkit.api;

/** Keys of a saved model's info map that the API reads back. */
public final class SavedModelInfo {

    /** The built-in name or .onnx path the model was derived from: the ONNX Runtime baseline. */
    public static final String SOURCE_MODEL = "source_model";
    public static final String QUERY_PREFIX = "query_prefix";
    public static final String PASSAGE_PREFIX = "passage_prefix";

    private SavedModelInfo() {
    }
}
