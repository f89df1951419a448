package ffnkit.eval.data;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
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

    /**
     * A small, deterministic part of this data set for quick checks (e.g. engine vs ONNX Runtime):
     * the first {@code queries} queries that have a relevant document, every document relevant to
     * one of them, and the first {@code distractors} other documents; corpus order is kept.
     */
    public BeirDataset slice(int queries, int distractors) {
        List<Query> keptQueries = new ArrayList<>();
        Set<String> relevant = new HashSet<>();
        Map<String, Map<String, Integer>> keptQrels = new LinkedHashMap<>();
        for (Query q : this.queries) {
            Map<String, Integer> rels = qrels.get(q.id());
            if (keptQueries.size() == queries || rels == null || rels.values().stream().noneMatch(r -> r >= 1)) {
                continue;
            }
            keptQueries.add(q);
            keptQrels.put(q.id(), rels);
            relevant.addAll(rels.keySet());
        }
        List<Document> keptDocs = new ArrayList<>();
        int others = 0;
        for (Document d : corpus) {
            if (relevant.contains(d.id())) {
                keptDocs.add(d);
            } else if (others < distractors) {
                keptDocs.add(d);
                others++;
            }
        }
        return new BeirDataset(keptQueries, keptDocs, keptQrels);
    }

    /**
     * A smaller but still realistic retrieval problem, for runs that evaluate many model variants:
     * the first {@code queries} queries that have a relevant document (0 = all of them), every
     * document judged for one of them, and documents drawn at random with {@code seed} from the
     * rest of the corpus as distractors, {@code corpusLimit} documents in all (more only when the
     * judged documents alone exceed it). Corpus order is kept. The same arguments always give the
     * same subset ({@link Random} is specified to the bit), so every model meets the same corpus.
     * Scores on it are higher than on the whole corpus and comparable only with scores taken on the
     * same subset.
     */
    public BeirDataset sample(int queries, int corpusLimit, long seed) {
        if (queries < 0 || corpusLimit < 1) {
            throw new IllegalArgumentException("query limit must be >= 0 and corpus limit >= 1");
        }
        List<Query> keptQueries = new ArrayList<>();
        Set<String> judged = new HashSet<>();
        Map<String, Map<String, Integer>> keptQrels = new LinkedHashMap<>();
        for (Query q : this.queries) {
            Map<String, Integer> rels = qrels.get(q.id());
            if ((queries > 0 && keptQueries.size() == queries) || rels == null
                    || rels.values().stream().noneMatch(r -> r >= 1)) {
                continue;
            }
            keptQueries.add(q);
            keptQrels.put(q.id(), rels);
            judged.addAll(rels.keySet());
        }
        boolean[] keep = new boolean[corpus.size()];
        int[] others = new int[corpus.size()];
        int kept = 0;
        int otherCount = 0;
        for (int i = 0; i < corpus.size(); i++) {
            if (judged.contains(corpus.get(i).id())) {
                keep[i] = true;
                kept++;
            } else {
                others[otherCount++] = i;
            }
        }
        // a partial Fisher-Yates shuffle: the first `draw` entries become a uniform sample
        int draw = Math.min(otherCount, Math.max(0, corpusLimit - kept));
        Random random = new Random(seed);
        for (int i = 0; i < draw; i++) {
            int j = i + random.nextInt(otherCount - i);
            int t = others[i];
            others[i] = others[j];
            others[j] = t;
            keep[others[i]] = true;
        }
        List<Document> keptDocs = new ArrayList<>(kept + draw);
        for (int i = 0; i < corpus.size(); i++) {
            if (keep[i]) {
                keptDocs.add(corpus.get(i));
            }
        }
        return new BeirDataset(keptQueries, keptDocs, keptQrels);
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
