package ffnkit.eval.data;

import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A retrieval data set in the BEIR layout, held in memory.
 *
 * @param queries the queries, in file order
 * @param corpus  the documents, in file order (the order breaks score ties in exact search)
 * @param qrels   query id -> (document id -> graded relevance); iteration order is file order
 */
public record BeirDataset(List<Query> queries, List<Document> corpus, Map<String, Map<String, Integer>> qrels) {

    /** One query line of queries.jsonl. */
    public record Query(String id, String text) {
    }

    /** One document line of corpus.jsonl; the title is "" when the file has none. */
    public record Document(String id, String title, String text) {

        /** The text that is embedded: title and text joined by a space, as BEIR's dense models do. */
        public String fullText() {
            return title.isEmpty() ? text : (title + " " + text).strip();
        }
    }

    public BeirDataset {
        queries = List.copyOf(queries);
        corpus = List.copyOf(corpus);
        // keep file order (Map.copyOf would scramble it) but forbid later changes
        qrels = Collections.unmodifiableMap(new LinkedHashMap<>(qrels));
        requireUniqueIds(queries.stream().map(Query::id).toList(), "query");
        requireUniqueIds(corpus.stream().map(Document::id).toList(), "corpus");
    }

    private static void requireUniqueIds(List<String> ids, String what) {
        Set<String> seen = new HashSet<>();
        for (String id : ids) {
            if (!seen.add(id)) {
                throw new DatasetException("duplicate " + what + " id '" + id + "'");
            }
        }
    }
}
