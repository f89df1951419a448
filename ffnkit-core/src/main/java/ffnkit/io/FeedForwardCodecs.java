package ffnkit.io;

import ffnkit.model.FeedForward;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The explicit registry of FFN slot codecs: no classpath scanning, no reflection. The dense, linear
 * and split codecs are built in; each other method registers its codec (usually once, into {@link #standard()}).
 * A file naming a kind nobody registered fails with "unknown FFN slot kind".
 */
public final class FeedForwardCodecs {

    private static final FeedForwardCodecs STANDARD = new FeedForwardCodecs();

    /** Key of a slot description that holds the codec's kind; codecs may not use it. */
    public static final String KIND = "kind";

    private final List<FeedForwardCodec> codecs = new CopyOnWriteArrayList<>();

    /**
     * A registry holding the built-in codecs: dense, linear (an FFN of dense, low-rank or quantised
     * layers) and split (FFSplit, whose parts are written through this registry).
     */
    public FeedForwardCodecs() {
        register(new DenseFeedForwardCodec());
        register(new LinearFeedForwardCodec());
        register(new SplitFeedForwardCodec(this));
    }

    /** The process-wide registry that {@link SavedModel#write}/{@link SavedModel#read} use by default. */
    public static FeedForwardCodecs standard() {
        return STANDARD;
    }

    /** Adds a codec; a kind may be registered once. Returns this registry for chaining. */
    public synchronized FeedForwardCodecs register(FeedForwardCodec codec) {
        if (forKind(codec.kind()).isPresent()) {
            throw new IllegalArgumentException("an FFN slot codec for kind '" + codec.kind() + "' is already registered");
        }
        codecs.add(codec);
        return this;
    }

    /** Registers the codec unless its kind is already there (for idempotent set-up code). */
    public synchronized FeedForwardCodecs registerIfAbsent(FeedForwardCodec codec) {
        if (forKind(codec.kind()).isEmpty()) {
            codecs.add(codec);
        }
        return this;
    }

    public Optional<FeedForwardCodec> forKind(String kind) {
        return codecs.stream().filter(c -> c.kind().equals(kind)).findFirst();
    }

    public List<String> kinds() {
        return codecs.stream().map(FeedForwardCodec::kind).toList();
    }

    /**
     * Writes a slot with the first registered codec that accepts it and returns its description:
     * {@code {"kind": ..., params...}}.
     *
     * @param where for the error message, e.g. "layer 3"
     */
    public Map<String, Object> write(FeedForward f, String prefix, SafetensorsWriter out, String where) {
        FeedForwardCodec codec = codecs.stream().filter(c -> c.canWrite(f)).findFirst().orElseThrow(() ->
                new IllegalArgumentException("cannot save the FFN slot in " + where + ": no codec is registered for "
                        + f.getClass().getSimpleName() + " (register a FeedForwardCodec in FeedForwardCodecs)"));
        Map<String, Object> params = codec.write(f, prefix, out);
        if (params.containsKey(KIND)) {
            throw new IllegalStateException("codec '" + codec.kind() + "' returned the reserved parameter '" + KIND + "'");
        }
        Map<String, Object> description = new LinkedHashMap<>();
        description.put(KIND, codec.kind());
        description.putAll(params);
        return description;
    }

    /**
     * Rebuilds a slot from its description.
     *
     * @param where for error messages, e.g. "layer 3"
     */
    public FeedForward read(Map<String, Object> description, String prefix, SafetensorsFile in, String where) {
        Object kind = description.get(KIND);
        if (!(kind instanceof String k)) {
            throw new ModelFormatException("the FFN slot description of " + where + " has no kind");
        }
        FeedForwardCodec codec = forKind(k).orElseThrow(() ->
                new ModelFormatException("unknown FFN slot kind '" + k + "' in " + where + ": this file needs a newer ffnkit"));
        Map<String, Object> params = new LinkedHashMap<>(description);
        params.remove(KIND);
        try {
            return codec.read(prefix, params, in);
        } catch (ModelFormatException e) {
            // appended, not prefixed, so the message still starts with the file name the reader put first
            throw new ModelFormatException(e.getMessage() + " (in " + where + ", " + k + " FFN slot)", e);
        }
    }

    @Override
    public String toString() {
        return "FeedForwardCodecs" + new ArrayList<>(kinds());
    }
}
