package ffnkit.eval;

import java.util.List;

/**
 * What evaluation needs from a model: embeddings for a batch of texts, one row per text, in
 * order. Evaluation calls it with batches of a few dozen texts; the implementation decides how to
 * use the threads (the engine parallelises inside a batch). Prefixes such as e5's "query: " are
 * added by the caller, so an implementation embeds exactly the text it is given.
 */
@FunctionalInterface
public interface TextEmbedder extends AutoCloseable {

    float[][] embed(List<String> texts);

    /**
     * What the model expects before a query ("query: " for e5), "" by default. Evaluation uses it
     * unless told otherwise; {@link #embed} never adds it by itself.
     */
    default String queryPrefix() {
        return "";
    }

    /** What the model expects before a document ("passage: " for e5), "" by default. */
    default String passagePrefix() {
        return "";
    }

    /** Releases the model; nothing by default. */
    @Override
    default void close() {
    }
}
