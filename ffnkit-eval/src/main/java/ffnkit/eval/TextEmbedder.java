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

    /** Releases the model; nothing by default. */
    @Override
    default void close() {
    }
}
