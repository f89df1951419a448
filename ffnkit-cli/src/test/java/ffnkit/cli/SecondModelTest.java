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

/** A second model given for comparison (bench --vs-model, compress --match-params) that cannot serve is refused up front. */
class SecondModelTest {

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

    /** The shortest bench run of the built-in model against {@code base}: it must fail before timing. */
    private static String benchAgainst(Path base, int seq) {
        return error("bench", "--vs-model", base.toString(), "--batch", "1", "--seq", Integer.toString(seq),
                "--repetitions", "1", "--warmup", "0");
    }

    @Test
    void baselineWithFewerPositionsIsNamedBeforeAnyTiming(@TempDir Path dir) throws Exception {
        Path base = baseline(dir, "short.safetensors", 30522, 20);
        String msg = benchAgainst(base, 32);
        assertTrue(msg.contains("--seq 32") && msg.contains("--vs-model") && msg.contains("3 to 20"), msg);
    }

    @Test
    void baselineWithASmallerVocabularyIsNamed(@TempDir Path dir) throws Exception {
        Path base = baseline(dir, "small-vocab.safetensors", 1000, 512);
        String msg = benchAgainst(base, 8);
        assertTrue(msg.contains("--vs-model") && msg.contains("1000") && msg.contains("30522"), msg);
    }

    @Test
    void matchParamsOfAModelOfAnotherShapeIsRefused(@TempDir Path dir) throws Exception {
        // the budget of a 16-wide model was clamped to rank 1 for all-MiniLM-L6-v2 and saved without a word
        Path other = baseline(dir, "other.safetensors", 30522, 512);
        Path texts = java.nio.file.Files.writeString(dir.resolve("texts.txt"), "a first text\nand a second one\n");
        Path out = dir.resolve("out.safetensors");
        String msg = error("compress", "--calib", texts.toString(), "--out", out.toString(), "--heavy", "0",
                "--match-params", other.toString());
        assertTrue(msg.contains("--match-params") && msg.contains("1 layers, d 16") && msg.contains("6, 384, 1536"), msg);
        assertTrue(!java.nio.file.Files.exists(out));
    }
}
