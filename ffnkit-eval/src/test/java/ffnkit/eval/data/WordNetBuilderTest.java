package ffnkit.eval.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WordNetBuilderTest {

    /** 40 synsets with examples, 40 without, one pair sharing a definition, one example shared by two synsets. */
    private static List<WordNetSynset> synsets() {
        List<WordNetSynset> list = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            list.add(WordNetSynset.fromGloss("n" + i, "meaning number " + i + "; \"example " + i + " a\"; \"example " + i + " b\""));
        }
        for (int i = 0; i < 40; i++) {
            list.add(WordNetSynset.fromGloss("v" + i, "calibration definition " + i));
        }
        list.add(WordNetSynset.fromGloss("a1", "shared definition; \"only a1\""));
        list.add(WordNetSynset.fromGloss("a2", "shared definition; \"only a2\""));
        list.add(WordNetSynset.fromGloss("a3", "unique definition; \"example 0 a\"")); // same text as n0's example
        list.add(WordNetSynset.fromGloss("v99", "Example 0 A")); // no examples, but equal to a corpus text up to case
        return list;
    }

    @Test
    void buildsQueriesCorpusAndQrels() {
        var r = WordNetBuilder.build(synsets(), new WordNetBuilder.Options(1000, 1, 1000, 10));
        BeirDataset d = r.dataset();
        // eligible: n0..n39 and a3 (a1/a2 share a definition) -> 41 queries
        assertEquals(41, r.eligibleQueries());
        assertEquals(41, d.queries().size());
        assertFalse(d.queries().stream().anyMatch(q -> q.id().equals("a1") || q.id().equals("a2")));
        // corpus: 80 examples of n*, "only a1", "only a2"; a3's example is n0's -> 82 documents
        assertEquals(82, d.corpus().size());
        assertEquals(Map.of("n0-1", 1, "n0-2", 1), d.qrels().get("n0"));
        assertEquals(Map.of("n0-1", 1), d.qrels().get("a3"), "a shared example is one document relevant to both");
        // calibration: v0..v39 only; v99 equals a corpus text ignoring case, so it is left out
        assertEquals(40, r.calibration().size());
        assertTrue(r.calibration().stream().allMatch(t -> t.startsWith("calibration definition ")));
    }

    @Test
    void sameSeedSameOutputOtherSeedOtherSubset() {
        var o = new WordNetBuilder.Options(10, 5, 20, 12);
        var a = WordNetBuilder.build(synsets(), o);
        var b = WordNetBuilder.build(synsets(), o);
        assertEquals(a, b);
        var c = WordNetBuilder.build(synsets(), new WordNetBuilder.Options(10, 6, 20, 12));
        assertNotEquals(a.dataset().queries(), c.dataset().queries());
        assertEquals(10, a.dataset().queries().size());
        assertEquals(12, a.parity().size());
        assertEquals(12, Set.copyOf(a.parity()).size(), "parity texts are distinct");
    }

    @Test
    void writesEveryProductWithTheLicence(@TempDir Path dir) throws Exception {
        var o = new WordNetBuilder.Options(5, 3, 7, 9);
        var r = WordNetBuilder.build(synsets(), o);
        WordNetBuilder.write(r, dir, o);
        assertEquals(r.dataset(), BeirFiles.read(dir.resolve("wordnet-gloss-example")));
        assertEquals(r.calibration(), BeirFiles.readLines(dir.resolve("calibration/wordnet-glosses.txt")));
        assertEquals(r.parity(), BeirFiles.readLines(dir.resolve("parity/sentences.txt")));
        for (String sub : List.of("wordnet-gloss-example", "calibration", "parity")) {
            String licence = Files.readString(dir.resolve(sub).resolve(WordNetBuilder.LICENCE_FILE));
            assertTrue(licence.contains("WordNet 3.0 Copyright 2006 by Princeton University"), sub);
        }
    }

    @Test
    void missingWordNetNamesThePathAndThePackage(@TempDir Path dir) {
        var e = assertThrows(DatasetException.class, () -> WordNetBuilder.readSynsets(dir.resolve("nowhere")));
        assertTrue(e.getMessage().contains(dir.resolve("nowhere").resolve("data.noun").toString()), e.getMessage());
        assertTrue(e.getMessage().contains("apt-get install wordnet-base"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }

    @Test
    void readsTheFourDataFiles(@TempDir Path dir) throws Exception {
        String header = "  1 This software and database is being provided to you, the LICENSEE, by  \n";
        Files.writeString(dir.resolve("data.noun"), header
                + "00001740 03 n 01 entity 0 003 ~ 00001930 n 0000 | that which is perceived; \"it exists\"  \n");
        Files.writeString(dir.resolve("data.verb"), header);
        Files.writeString(dir.resolve("data.adj"), header
                + "00001740 00 a 01 able 0 000 | having the necessary means; \"able to swim\"  \n");
        Files.writeString(dir.resolve("data.adv"), header);
        var ids = WordNetBuilder.readSynsets(dir).stream().map(WordNetSynset::id).collect(Collectors.toList());
        assertEquals(List.of("n00001740", "a00001740"), ids, "the same offset in two files gives two ids");
    }
}
