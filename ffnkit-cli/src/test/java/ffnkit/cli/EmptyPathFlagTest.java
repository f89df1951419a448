package ffnkit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * An empty path ("" from an unset shell variable) is the current folder to Java: it gave
 * "IOException: No such device" (compress --calibration ""), "file not found: queries.jsonl"
 * (eval --data "") or "cannot tell the format of " (--model ""), none naming the flag.
 */
class EmptyPathFlagTest {

    private static String error(int expectedCode, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(new PrintWriter(out), new PrintWriter(err), args);
        assertEquals(expectedCode, code, err.toString());
        assertEquals(1, err.toString().lines().count(), err.toString());
        assertTrue(err.toString().startsWith("ffnkit: error: "), err.toString());
        return err.toString();
    }

    @Test
    void emptyPathFlagsAreUsageErrorsNamingTheFlag() {
        for (List<String> args : List.of(
                List.of("compress", "--calibration", "", "--out", "/tmp/x.safetensors"),
                List.of("eval", "--data", ""),
                List.of("analyze", "--data", ""),
                List.of("analyze", "--fidelity-data", ""),
                List.of("eval", "--task", "fidelity", "--reference", "all-minilm-l6-v2", "--data", ""),
                List.of("data", "wordnet", "--wordnet-dir", ""),
                List.of("compress", "--match-params", "", "--out", "/tmp/x.safetensors"))) {
            String flag = args.get(args.indexOf("") - 1);
            String msg = error(2, args.toArray(String[]::new));
            assertTrue(msg.contains("'" + flag + "'") && msg.contains("empty"), args + ": " + msg);
            assertTrue(!msg.contains("Exception"), msg);
        }
    }

    @Test
    void emptyModelNameIsNamedAsSuch(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        String texts = java.nio.file.Files.writeString(dir.resolve("t.txt"), "a text\n").toString();
        for (String flag : List.of("--model", "--reference")) {
            List<String> args = flag.equals("--model") ? List.of("embed", "--model", "")
                    : List.of("eval", "--task", "fidelity", "--reference", "", "--data", texts);
            String msg = error(1, args.toArray(String[]::new));
            assertTrue(msg.contains("model name is empty"), msg);
        }
    }
}
