package ffnkit.eval;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/**
 * Retrieval scores as BEIR reports them (see {@link ffnkit.eval.metrics.RetrievalMetrics}), with
 * the JSON keys documented in the README. {@code queries}: queries evaluated (those with at least
 * one relevant document); {@code corpusSize}: documents searched.
 */
@JsonPropertyOrder({"ndcg_at_10", "mrr_at_10", "recall_at_1", "recall_at_10", "recall_at_100", "queries", "corpus_size"})
public record RetrievalResult(
        @JsonProperty("ndcg_at_10") double ndcgAt10,
        @JsonProperty("mrr_at_10") double mrrAt10,
        @JsonProperty("recall_at_1") double recallAt1,
        @JsonProperty("recall_at_10") double recallAt10,
        @JsonProperty("recall_at_100") double recallAt100,
        @JsonProperty("queries") int queries,
        @JsonProperty("corpus_size") int corpusSize) {
}
