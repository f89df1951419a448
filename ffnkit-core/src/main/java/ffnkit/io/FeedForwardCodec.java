package ffnkit.io;

import ffnkit.model.FeedForward;

import java.util.Map;

/**
 * Saves and loads one kind of FFN slot inside a saved model. A codec writes the slot's tensors
 * under a name prefix (e.g. {@code layers.3.ffn.}) and returns the parameters that describe it;
 * the saved model stores them as JSON next to the slot's {@link #kind()}. Reading gets the same
 * parameters back (JSON numbers as Integer/Long/Double, objects as Map, arrays as List) and must
 * validate every tensor shape against them.
 *
 * <p>Codecs are registered explicitly in {@link FeedForwardCodecs}; a composite slot (a split FFN
 * holding two slots) keeps a reference to the registry and writes its parts through it.
 */
public interface FeedForwardCodec {

    /** The stable name stored in files, e.g. "dense". Changing it breaks every saved file. */
    String kind();

    boolean canWrite(FeedForward f);

    /**
     * Adds the slot's tensors to {@code out} under {@code prefix} and returns its parameters
     * (JSON-serialisable: strings, numbers, booleans, lists, maps). The key "kind" is reserved.
     */
    Map<String, Object> write(FeedForward f, String prefix, SafetensorsWriter out);

    /**
     * Rebuilds the slot. Missing or malformed parameters and tensor shapes that disagree with them
     * are {@link ModelFormatException}s.
     */
    FeedForward read(String prefix, Map<String, Object> params, SafetensorsFile in);

    /** An integer parameter, or a {@link ModelFormatException} naming it. */
    static int intParam(Map<String, Object> params, String key) {
        Object v = params.get(key);
        if (v instanceof Integer i) {
            return i;
        }
        if (v instanceof Long l && l == l.intValue()) {
            return l.intValue();
        }
        throw new ModelFormatException("FFN slot parameter '" + key + "' is " + (v == null ? "missing" : "not an integer: " + v));
    }

    static boolean boolParam(Map<String, Object> params, String key) {
        Object v = params.get(key);
        if (v instanceof Boolean b) {
            return b;
        }
        throw new ModelFormatException("FFN slot parameter '" + key + "' is " + (v == null ? "missing" : "not a boolean: " + v));
    }

    static String stringParam(Map<String, Object> params, String key) {
        Object v = params.get(key);
        if (v instanceof String s) {
            return s;
        }
        throw new ModelFormatException("FFN slot parameter '" + key + "' is " + (v == null ? "missing" : "not a string: " + v));
    }

    /** A nested object parameter (e.g. the description of a sub-slot). */
    @SuppressWarnings("unchecked")
    static Map<String, Object> mapParam(Map<String, Object> params, String key) {
        Object v = params.get(key);
        if (v instanceof Map<?, ?> m) {
            return (Map<String, Object>) m;
        }
        throw new ModelFormatException("FFN slot parameter '" + key + "' is " + (v == null ? "missing" : "not an object: " + v));
    }
}
