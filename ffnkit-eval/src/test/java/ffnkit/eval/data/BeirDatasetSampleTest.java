package ffnkit.eval.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BeirDatasetSampleTest {

    /** 4 queries (q3 unjudged, q4 judged only with score 0), 100 documents. */
    static BeirDataset data() {
        List<BeirDataset.Document> docs = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            docs.add(new BeirDataset.Document("d" + i, "", "text " + i));
        }
        Map<String, Map<String, Integer>> qrels = new LinkedHashMap<>();
        qrels.put("q1", Map.of("d10", 1, "d90", 2, "d50", 0));
        qrels.put("q2", Map.of("d3", 1));
        qrels.put("q4", Map.of("d70", 0));
        qrels.put("q5", Map.of("d99", 1));
        return new BeirDataset(List.of(new BeirDataset.Query("q1", "a"), new BeirDataset.Query("q2", "b"),
                new BeirDataset.Query("q3", "c"), new BeirDataset.Query("q4", "d"), new BeirDataset.Query("q5", "e")),
                docs, qrels);
    }

    static List<String> ids(BeirDataset d) {
        return d.corpus().stream().map(BeirDataset.Document::id).toList();
    }

    @Test
    void keepsJudgedDocumentsAndFillsUpWithSeededDistractorsInFileOrder() {
        BeirDataset s = data().sample(2, 20, 42);
        assertEquals(List.of("q1", "q2"), s.queries().stream().map(BeirDataset.Query::id).toList());
        assertEquals(20, s.corpus().size());
        assertTrue(ids(s).containsAll(List.of("d10", "d90", "d50", "d3")), "judged documents, score 0 included: " + ids(s));
        List<Integer> order = ids(s).stream().map(id -> Integer.parseInt(id.substring(1))).toList();
        assertEquals(order.stream().sorted().toList(), order, "corpus order kept");
        assertEquals(ids(s), ids(data().sample(2, 20, 42)), "same arguments, same corpus");
        assertNotEquals(ids(s), ids(data().sample(2, 20, 43)), "another seed, other distractors");
        assertEquals(Map.of("q1", data().qrels().get("q1"), "q2", data().qrels().get("q2")), s.qrels());
    }

    @Test
    void allJudgedQueriesWhenUnlimitedAndNeverFewerThanTheJudgedDocuments() {
        BeirDataset all = data().sample(0, 3, 1);
        assertEquals(List.of("q1", "q2", "q5"), all.queries().stream().map(BeirDataset.Query::id).toList(),
                "queries without a relevant document (q3, q4) are left out, as evaluation does");
        assertEquals(List.of("d3", "d10", "d50", "d90", "d99"), ids(all), "5 judged documents exceed the limit of 3");
        assertEquals(100, data().sample(0, 1000, 1).corpus().size(), "a limit above the corpus keeps it whole");
        assertThrows(IllegalArgumentException.class, () -> data().sample(0, 0, 1));
    }
}
