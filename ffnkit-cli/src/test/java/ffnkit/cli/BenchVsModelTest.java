package ffnkit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ffnkit.api.EmbeddingModel;
import ffnkit.io.SavedModel;
import ffnkit.model.Encoder;
import ffnkit.model.RandomWeights;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** bench --vs-model feeds the baseline the first model's token ids: a baseline that cannot take them is refused up front. */
class BenchVsModelTest {

    private static Path baseline(Path dir, String name, int vocab, int positions) throws Exception {
        Path file = dir.resolve(name);
        String tokenizer;
        try (EmbeddingModel m = EmbeddingModel.load("all-minilm-l6-v2")) {
            tokenizer = m.tokenizer().json();
        }
        SavedModel.write(file, Encoder.of(RandomWeights.of(RandomWeights.config(16, 1, 4, 32, vocab, positions), 1)),
                Map.of(), tokenizer.getBytes(StandardCharsets.UTF_8));
        return file;
    }

    private static String error(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(new PrintWriter(out), new PrintWriter(err), args);
        assertEquals(1, code, err.toString());
        assertEquals(1, err.toString().lines().count(), err.toString());
        assertTrue(err.toString().startsWith("ffnkit: error: "), err.toString());
        return err.toString();
    }

    @Test
    void baselineWithFewerPositionsIsNamedBeforeAnyTiming(@TempDir Path dir) throws Exception {
        Path base = baseline(dir, "short.safetensors", 30522, 20);
        String msg = error("bench", "--vs-model", base.toString(), "--batch", "1", "--seq", "32", "--repetitions", "1",
                "--warmup", "0");
        assertTrue(msg.contains("--seq 32") && msg.contains("--vs-model") && msg.contains("3 to 20"), msg);
    }

    @Test
    void baselineWithASmallerVocabularyIsNamed(@TempDir Path dir) throws Exception {
        Path base = baseline(dir, "small-vocab.safetensors", 1000, 512);
        String msg = error("bench", "--vs-model", base.toString(), "--batch", "1", "--seq", "8", "--repetitions", "1",
                "--warmup", "0");
        assertTrue(msg.contains("--vs-model") && msg.contains("1000") && msg.contains("30522"), msg);
    }
}
