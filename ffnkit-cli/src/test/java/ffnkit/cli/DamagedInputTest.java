package ffnkit.cli;

import ffnkit.api.EmbeddingModel;
import ffnkit.compress.Calibration;
import ffnkit.compress.CalibrationFile;
import ffnkit.io.SavedModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Files that are intact on disk but hold impossible values fail the command, never print NaN with exit 0. */
class DamagedInputTest {

    private record Result(int code, String out, String err) {
    }

    private static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(new PrintWriter(out), new PrintWriter(err), args);
        return new Result(code, out.toString(), err.toString());
    }

    private static void assertOneLineError(Result r, String... parts) {
        assertEquals(1, r.code(), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().startsWith("ffnkit: error: "), r.err());
        for (String part : parts) {
            assertTrue(r.err().contains(part), "'" + part + "' in: " + r.err());
        }
        assertFalse(r.err().contains("unexpected"), r.err());
    }

    @Test
    void embedRefusesASavedModelWithNanWeights(@TempDir Path dir) throws Exception {
        Path model = dir.resolve("nan.safetensors");
        try (EmbeddingModel m = EmbeddingModel.load("all-minilm-l6-v2")) {
            m.encoder().wordEmbeddings()[5] = Float.NaN; // a private copy: the checksums will be valid
            SavedModel.write(model, m.encoder(), Map.of(), m.tokenizer().json().getBytes(StandardCharsets.UTF_8));
        }
        Path in = Files.writeString(dir.resolve("in.txt"), "hello world\n");
        Path out = dir.resolve("out.jsonl");
        assertOneLineError(run("embed", "--model", model.toString(), "--input", in.toString(), "--output", out.toString()),
                "nan.safetensors", "embeddings.word", "NaN");
        assertFalse(Files.exists(out));
    }

    /** A real calibration file of the built-in model, from two short texts (a few seconds). */
    static Path calibrateOnTwoTexts(Path dir) throws java.io.IOException {
        Path texts = Files.writeString(dir.resolve("texts.txt"), "a first calibration text\nand a second one\n");
        Path cal = dir.resolve("cal.safetensors");
        Result made = run("calibrate", "--model", "all-minilm-l6-v2", "--calib", texts.toString(), "--out", cal.toString());
        assertEquals(0, made.code(), made.err());
        return cal;
    }

    @Test
    void analyzeRefusesACalibrationWithNanSums(@TempDir Path dir) throws Exception {
        Path cal = calibrateOnTwoTexts(dir);
        // written through the real writer, so only the value checks can catch it
        Calibration c = CalibrationFile.read(cal);
        c.layer(2).sumSquares()[7] = Double.NaN;
        CalibrationFile.write(cal, c);
        assertOneLineError(run("analyze", "--model", "all-minilm-l6-v2", "--calibration", cal.toString(),
                        "--out", dir.resolve("plots").toString()),
                cal.toString(), "layers.2.sum_squares", "re-run ffnkit calibrate");
        assertFalse(Files.exists(dir.resolve("plots")));
    }
}
