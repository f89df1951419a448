package ffnkit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class DataCommandTest {

    record Run(int code, String out, String err) {
    }

    static Run run(Object command, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = Main.configure(new CommandLine(command)); // errors handled as the launcher does
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    /** WordNet data files with 30 synsets with an example and 30 without, under dir/wn. */
    static Path wordnetFiles(Path dir) throws java.io.IOException {
        Path wn = Files.createDirectories(dir.resolve("wn"));
        StringBuilder noun = new StringBuilder();
        for (int i = 0; i < 30; i++) {
            noun.append(String.format("%08d 03 n 01 word%d 0 000 | meaning %d; \"example %d\"  %n", 1000 + i, i, i, i));
            noun.append(String.format("%08d 03 n 01 other%d 0 000 | definition without examples %d  %n", 2000 + i, i, i));
        }
        Files.writeString(wn.resolve("data.noun"), noun);
        for (String f : new String[] {"data.verb", "data.adj", "data.adv"}) {
            Files.writeString(wn.resolve(f), "  1 licence header\n");
        }
        return wn;
    }

    @Test
    void buildsFromWordNetFiles(@TempDir Path dir) throws Exception {
        Path wn = wordnetFiles(dir);
        Run r = run(new DataCommand(), "wordnet", "--wordnet-dir", wn.toString(), "--out", dir.resolve("out").toString(),
                "--queries", "10", "--seed", "3", "--calibration", "20", "--parity", "15");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("10 queries, 30 documents, 10 judgements"), r.out());
        assertEquals(20, Files.readAllLines(dir.resolve("out/calibration/wordnet-glosses.txt")).size());
        assertEquals(15, Files.readAllLines(dir.resolve("out/parity/sentences.txt")).size());
        assertTrue(Files.exists(dir.resolve("out/wordnet-gloss-example/LICENSE-WordNet.txt")));
    }

    @Test
    void missingWordNetIsAOneLineError(@TempDir Path dir) {
        Run r = run(new DataCommand(), "wordnet", "--wordnet-dir", dir.resolve("none").toString(), "--out", dir.toString());
        assertEquals(1, r.code());
        String error = r.err().lines().filter(l -> l.startsWith("ffnkit: error: ")).findFirst().orElse("");
        assertTrue(error.contains(dir.resolve("none").resolve("data.noun").toString()), r.err());
        assertTrue(error.contains("apt-get install wordnet-base"), r.err());
        assertEquals("", r.out());
    }

    @Test
    void withoutSubcommandPrintsUsage() {
        Run r = run(new DataCommand());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("wordnet"), r.err());
    }

    @Test
    void registeredInMain() {
        var out = new StringWriter();
        var err = new StringWriter();
        assertEquals(0, Main.run(new PrintWriter(out), new PrintWriter(err), "data", "wordnet", "--help"));
        assertTrue(out.toString().contains("--wordnet-dir"), out.toString());
        assertEquals(2, Main.run(new PrintWriter(out), new PrintWriter(err), "data", "wordnet", "--queries", "x"));
        assertTrue(err.toString().contains("(see: ffnkit data wordnet --help)"), err.toString());
    }
}
