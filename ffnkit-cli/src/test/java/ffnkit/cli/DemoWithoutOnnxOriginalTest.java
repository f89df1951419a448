package ffnkit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import ffnkit.api.EmbeddingModel;
import ffnkit.io.SavedModel;
import ffnkit.model.Encoder;
import ffnkit.model.RandomWeights;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * demo on a model with no ONNX original (a Hugging Face folder, or a model saved from one) used to
 * compress and evaluate for minutes and then fail at the ONNX Runtime timing.
 */
class DemoWithoutOnnxOriginalTest {

    private static Path model(Path dir, int positions) throws Exception {
        Path file = dir.resolve("small-" + positions + ".safetensors");
        try (EmbeddingModel m = EmbeddingModel.load("all-minilm-l6-v2")) {
            SavedModel.write(file, Encoder.of(RandomWeights.of(RandomWeights.config(16, 1, 4, 32, 30522, positions), 1)),
                    Map.of(), m.tokenizer().json().getBytes(StandardCharsets.UTF_8));
        }
        return file;
    }

    private record Result(int code, String out, String err) {
    }

    private static Result run(String... args) {
        // demo prints its result through System.out
        PrintStream saved = System.out;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        StringWriter err = new StringWriter();
        int code;
        try {
            System.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
            code = Main.run(new PrintWriter(new StringWriter()), new PrintWriter(err), args);
        } finally {
            System.setOut(saved);
        }
        return new Result(code, bytes.toString(StandardCharsets.UTF_8), err.toString());
    }

    @Test
    void runsWithoutOnnxRuntimeAndSaysSo(@TempDir Path dir) throws Exception {
        Result r = run("demo", "--model", model(dir, 512).toString(), "--calib-limit", "20", "--limit-queries", "5",
                "--corpus-limit", "50", "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode json = new ObjectMapper().readTree(r.out());
        assertTrue(json.get("ort_ms").isNull() && json.get("speedup_vs_ort").isNull(), r.out());
        assertTrue(json.get("ms").asDouble() > 0, r.out());
        // the compressed model searches the same 5 queries: its top 10 mostly, not wholly, the original's
        double agreement = json.get("top10_agreement").asDouble();
        assertTrue(agreement > 0.3 && agreement <= 1, r.out());
    }

    @Test
    void modelShorterThanTheTimedSequenceIsRefusedFirst(@TempDir Path dir) throws Exception {
        Result r = run("demo", "--model", model(dir, 64).toString(), "--calib-limit", "20", "--limit-queries", "5",
                "--corpus-limit", "50");
        assertEquals(1, r.code(), r.err());
        assertTrue(r.err().startsWith("ffnkit: error: demo times batches of 8 x 128 tokens") && r.err().contains("at most 64"),
                r.err());
    }
}
