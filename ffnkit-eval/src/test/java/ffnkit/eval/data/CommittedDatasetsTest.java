package ffnkit.eval.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Checks the files committed under datasets/ that tests, calibration and the quickstart rely on. */
class CommittedDatasetsTest {

    static Path datasets() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("datasets/wordnet-gloss-example"))) {
                return p.resolve("datasets");
            }
        }
        throw new IllegalStateException("datasets/ not found above " + Path.of("").toAbsolutePath());
    }

    @Test
    void retrievalSetIsConsistent() {
        BeirDataset d = BeirFiles.read(datasets().resolve("wordnet-gloss-example"));
        assertEquals(3000, d.queries().size());
        assertEquals(48152, d.corpus().size());
        Set<String> docIds = new HashSet<>();
        d.corpus().forEach(doc -> docIds.add(doc.id()));
        for (BeirDataset.Query q : d.queries()) {
            Map<String, Integer> rels = d.qrels().get(q.id());
            assertTrue(rels != null && !rels.isEmpty(), "query without relevant documents: " + q.id());
            assertTrue(docIds.containsAll(rels.keySet()), "qrels name unknown documents for " + q.id());
        }
        assertEquals(d.queries().size(), d.qrels().size());
    }

    @Test
    void calibrationNeverSharesATextWithEvaluation() {
        BeirDataset d = BeirFiles.read(datasets().resolve("wordnet-gloss-example"));
        Set<String> evaluation = new HashSet<>();
        d.queries().forEach(q -> evaluation.add(WordNetBuilder.normalise(q.text())));
        d.corpus().forEach(doc -> evaluation.add(WordNetBuilder.normalise(doc.fullText())));
        List<String> calibration = BeirFiles.readLines(datasets().resolve("calibration/wordnet-glosses.txt"));
        assertEquals(5000, calibration.size());
        Set<String> seen = new HashSet<>();
        for (String text : calibration) {
            String key = WordNetBuilder.normalise(text);
            assertTrue(!evaluation.contains(key), "calibration text is also an evaluation text: " + text);
            assertTrue(seen.add(key), "calibration text repeated: " + text);
        }
    }

    @Test
    void paritySentences() {
        List<String> lines = BeirFiles.readLines(datasets().resolve("parity/sentences.txt"));
        assertEquals(300, lines.size());
        assertEquals(300, Set.copyOf(lines).size());
        assertTrue(lines.stream().filter(l -> l.length() > 1500).count() >= 5, "some texts long enough to be truncated");
        assertTrue(lines.stream().filter(l -> l.length() < 40).count() >= 30, "some short texts");
    }

    @Test
    void licenceBesideEveryProduct() throws Exception {
        for (String dir : List.of("wordnet-gloss-example", "calibration", "parity")) {
            Path licence = datasets().resolve(dir).resolve(WordNetBuilder.LICENCE_FILE);
            assertTrue(Files.readString(licence).contains("Princeton University"), licence.toString());
        }
    }

    /** Reproducibility: where WordNet is installed (not on CI), the builder regenerates the same bytes. */
    @Test
    void regeneratesTheCommittedFiles(@TempDir Path out) throws Exception {
        assumeTrue(Files.isRegularFile(WordNetBuilder.DEFAULT_WORDNET_DIR.resolve("data.noun")), "wordnet-base not installed");
        var options = WordNetBuilder.Options.defaults();
        WordNetBuilder.write(WordNetBuilder.build(WordNetBuilder.readSynsets(WordNetBuilder.DEFAULT_WORDNET_DIR), options),
                out, options);
        for (String file : List.of("wordnet-gloss-example/queries.jsonl", "wordnet-gloss-example/corpus.jsonl",
                "wordnet-gloss-example/qrels.tsv", "wordnet-gloss-example/README.md", "calibration/wordnet-glosses.txt",
                "parity/sentences.txt", "parity/README.md")) {
            assertEquals(Files.readString(datasets().resolve(file)), Files.readString(out.resolve(file)), file);
        }
    }
}
