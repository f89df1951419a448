package ffnkit.cli;

import ffnkit.api.EmbeddingModel;
import ffnkit.api.SavedModelInfo;
import ffnkit.io.SavedModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Saved statistics reused on a saved copy of the model they came from. */
class SavedCalibrationTest {

    private static final String WARNING = "warning: calibration was collected on all-minilm-l6-v2";

    @Test
    void aSavedCopyOfTheCalibratedModelGetsNoModelMismatchWarning(@TempDir Path dir) throws Exception {
        Path cal = DamagedInputTest.calibrateOnTwoTexts(dir);
        Path copy = dir.resolve("copy.safetensors");
        Path anonymous = dir.resolve("anonymous.safetensors");
        try (EmbeddingModel m = EmbeddingModel.load("all-minilm-l6-v2")) {
            byte[] tokenizer = m.tokenizer().json().getBytes(StandardCharsets.UTF_8);
            SavedModel.write(copy, m.encoder(), Map.of(SavedModelInfo.SOURCE_MODEL, "all-minilm-l6-v2"), tokenizer);
            SavedModel.write(anonymous, m.encoder(), Map.of(), tokenizer);
        }
        Result fromCopy = compress(copy, cal, dir.resolve("a.safetensors"));
        assertEquals(0, fromCopy.code(), fromCopy.err());
        assertFalse(fromCopy.err().contains(WARNING), fromCopy.err());
        assertFalse(fromCopy.err().contains("has no checksum"), "a fresh calibration file carries one: " + fromCopy.err());
        // a model that does not say where it came from still gets the warning
        Result fromAnonymous = compress(anonymous, cal, dir.resolve("b.safetensors"));
        assertEquals(0, fromAnonymous.code(), fromAnonymous.err());
        assertTrue(fromAnonymous.err().contains(WARNING), fromAnonymous.err());
    }

    private static Result compress(Path model, Path cal, Path out) {
        return run("compress", "--model", model.toString(), "--calibration", cal.toString(), "--heavy", "0",
                "--light", "rtn", "--bits", "8", "--out", out.toString());
    }

    private record Result(int code, String err) {
    }

    /** The command's error stream and System.err together: warnings go to the latter. */
    private static Result run(String... args) {
        StringWriter err = new StringWriter();
        ByteArrayOutputStream stderr = new ByteArrayOutputStream();
        PrintStream saved = System.err;
        System.setErr(new PrintStream(stderr, true, StandardCharsets.UTF_8));
        try {
            int code = Main.run(new PrintWriter(new StringWriter()), new PrintWriter(err), args);
            return new Result(code, err + stderr.toString(StandardCharsets.UTF_8));
        } finally {
            System.setErr(saved);
        }
    }
}
