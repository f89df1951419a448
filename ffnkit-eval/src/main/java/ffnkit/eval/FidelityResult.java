package ffnkit.eval;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/**
 * Cosine between a model's and a reference's embedding of the same texts (see
 * {@link ffnkit.eval.metrics.Fidelity} for the percentile rule). {@code worstIndex}: 0-based line
 * index (among non-blank lines) of the text with the lowest cosine.
 */
@JsonPropertyOrder({"mean_cosine", "p01_cosine", "min_cosine", "worst_index", "texts"})
public record FidelityResult(
        @JsonProperty("mean_cosine") double meanCosine,
        @JsonProperty("p01_cosine") double p01Cosine,
        @JsonProperty("min_cosine") double minCosine,
        @JsonProperty("worst_index") int worstIndex,
        @JsonProperty("texts") int texts) {
}
