package ffnkit.eval.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BeirFilesTest {

    private static BeirDataset sample() {
        return new BeirDataset(
                List.of(new BeirDataset.Query("q1", "what is \"quoted\"? ünïcode"), new BeirDataset.Query("q2", "second")),
                List.of(new BeirDataset.Document("d1", "A title", "text one"), new BeirDataset.Document("d2", "", "text two")),
                Map.of("q1", Map.of("d1", 2), "q2", Map.of("d2", 1)));
    }

    @Test
    void roundTrip(@TempDir Path dir) {
        BeirFiles.write(sample(), dir);
        assertEquals(sample(), BeirFiles.read(dir));
        assertEquals("A title text one", sample().corpus().get(0).fullText());
        assertEquals("text two", sample().corpus().get(1).fullText());
    }

    @Test
    void sliceKeepsRelevantDocumentsAndTheFirstDistractors() {
        BeirDataset d = new BeirDataset(
                List.of(new BeirDataset.Query("q0", "unjudged"), new BeirDataset.Query("q1", "a"),
                        new BeirDataset.Query("q2", "b"), new BeirDataset.Query("q3", "c")),
                List.of(new BeirDataset.Document("x1", "", "1"), new BeirDataset.Document("x2", "", "2"),
                        new BeirDataset.Document("r2", "", "3"), new BeirDataset.Document("x3", "", "4"),
                        new BeirDataset.Document("r1", "", "5"), new BeirDataset.Document("r3", "", "6")),
                Map.of("q1", Map.of("r1", 1), "q2", Map.of("r2", 1, "x3", 0), "q3", Map.of("r3", 1)));
        BeirDataset s = d.slice(2, 1);
        assertEquals(List.of("q1", "q2"), s.queries().stream().map(BeirDataset.Query::id).toList());
        // relevant to q1/q2: r1, r2, and x3 (judged 0, kept so the qrels stay resolvable); distractor: x1
        assertEquals(List.of("x1", "r2", "x3", "r1"), s.corpus().stream().map(BeirDataset.Document::id).toList());
        assertEquals(2, s.qrels().size());
    }

    @Test
    void readsBeirShippedLayout(@TempDir Path dir) throws Exception {
        // as BEIR's zips: qrels/test.tsv, numeric ids, a corpus without titles, extra fields ignored
        Files.writeString(dir.resolve("queries.jsonl"), "{\"_id\": 1, \"text\": \"q\", \"metadata\": {}}\n");
        Files.writeString(dir.resolve("corpus.jsonl"), "{\"_id\": \"7\", \"text\": \"doc\"}\n\n");
        Files.createDirectories(dir.resolve("qrels"));
        Files.writeString(dir.resolve("qrels/test.tsv"), "query-id\tcorpus-id\tscore\n1\t7\t1\n");
        BeirDataset d = BeirFiles.read(dir);
        assertEquals("1", d.queries().get(0).id());
        assertEquals("", d.corpus().get(0).title());
        assertEquals(Map.of("1", Map.of("7", 1)), d.qrels());
    }

    @Test
    void byteOrderMarkAtTheStartOfEachFileIsIgnored(@TempDir Path dir) throws Exception {
        // files saved by Windows tools often start with U+FEFF; it is not part of the first line
        BeirFiles.write(sample(), dir);
        for (String name : List.of("queries.jsonl", "corpus.jsonl", "qrels.tsv")) {
            Path f = dir.resolve(name);
            Files.writeString(f, "\uFEFF" + Files.readString(f));
        }
        assertEquals(sample(), BeirFiles.read(dir));
        Path lines = dir.resolve("texts.txt");
        Files.writeString(lines, "\uFEFFfirst\nsecond\n");
        assertEquals(List.of("first", "second"), BeirFiles.readLines(lines));
    }

    @Test
    void errorsNameTheFileAndLine(@TempDir Path dir) throws Exception {
        BeirFiles.write(sample(), dir);
        Path corpus = dir.resolve("corpus.jsonl");
        Files.writeString(corpus, "{\"_id\":\"d1\",\"text\":\"ok\"}\n{\"_id\":\"d2\", text}\n");
        assertMessage(dir, corpus + ":2: not a JSON object");

        Files.writeString(corpus, "{\"_id\":\"d1\",\"text\":\"ok\"}\n{\"_id\":\"d2\"}\n");
        assertMessage(dir, corpus + ":2: missing field 'text'");

        Files.writeString(corpus, "{\"_id\":\"d1\",\"text\":\"ok\"}\n{\"_id\":\"d1\",\"text\":\"again\"}\n");
        assertMessage(dir, corpus + ":2: duplicate corpus id 'd1' (first on line 1)");
        Path queries = dir.resolve("queries.jsonl");
        BeirFiles.write(sample(), dir);
        Files.writeString(queries, "{\"_id\":\"q1\",\"text\":\"a\"}\n\n{\"_id\":\"q1\",\"text\":\"b\"}\n");
        assertMessage(dir, queries + ":3: duplicate query id 'q1' (first on line 1)");

        BeirFiles.write(sample(), dir);
        Path qrels = dir.resolve("qrels.tsv");
        Files.writeString(qrels, "q\td\ts\n");
        assertMessage(dir, qrels + ":1: expected the header");
        Files.writeString(qrels, "query-id\tcorpus-id\tscore\nq1\td1\tx\n");
        assertMessage(dir, qrels + ":2: score is not an integer");
        Files.writeString(qrels, "query-id\tcorpus-id\tscore\nq1 d1 1\n");
        assertMessage(dir, qrels + ":2: expected 3 tab-separated fields");

        Files.delete(dir.resolve("queries.jsonl"));
        assertMessage(dir, "file not found: " + dir.resolve("queries.jsonl"));
        assertMessage(dir.resolve("absent"), "data set directory not found");
    }

    private static void assertMessage(Path dir, String expectedStart) {
        var e = assertThrows(DatasetException.class, () -> BeirFiles.read(dir));
        assertTrue(e.getMessage().startsWith(expectedStart), e.getMessage());
        assertTrue(!e.getMessage().contains("\n"), "one line: " + e.getMessage());
    }

    @Test
    void wrongKindsOfPathAndBadBytesAreNamedForWhatTheyAre(@TempDir Path dir) throws Exception {
        BeirFiles.write(sample(), dir.resolve("set"));
        var fileAsSet = assertThrows(DatasetException.class, () -> BeirFiles.read(dir.resolve("set/corpus.jsonl")));
        assertTrue(fileAsSet.getMessage().contains("is a file: give the folder"), fileAsSet.getMessage());

        Files.delete(dir.resolve("set/queries.jsonl"));
        Files.createDirectories(dir.resolve("set/queries.jsonl"));
        var folderAsFile = assertThrows(DatasetException.class, () -> BeirFiles.read(dir.resolve("set")));
        assertTrue(folderAsFile.getMessage().endsWith("queries.jsonl is a folder, expected a file"), folderAsFile.getMessage());

        Path latin1 = dir.resolve("texts.txt");
        Files.write(latin1, new byte[] {'c', 'a', 'f', (byte) 0xE9, '\n'});
        var bytes = assertThrows(DatasetException.class, () -> BeirFiles.readLines(latin1));
        assertTrue(bytes.getMessage().contains("is not valid UTF-8 text"), bytes.getMessage());
    }
}
