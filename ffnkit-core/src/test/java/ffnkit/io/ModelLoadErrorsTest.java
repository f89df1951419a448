package ffnkit.io;

import ffnkit.api.EmbeddingModel;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bad model input gets a one-line error that names the problem, never an index error deep inside. */
class ModelLoadErrorsTest {

    private static byte[] onnx;
    private static byte[] tokenizer;

    @BeforeAll
    static void read() throws Exception {
        try (InputStream a = ModelLoadErrorsTest.class.getResourceAsStream("/all-minilm-l6-v2.onnx");
             InputStream b = ModelLoadErrorsTest.class.getResourceAsStream("/all-minilm-l6-v2-tokenizer.json")) {
            onnx = a.readAllBytes();
            tokenizer = b.readAllBytes();
        }
    }

    private static String failure(Path model) {
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> EmbeddingModel.load(model.toString()));
        assertTrue(!e.getMessage().contains("\n"), "one line: " + e.getMessage());
        return e.getMessage();
    }

    private static Path write(Path dir, byte[] model) throws Exception {
        Path file = dir.resolve("model.onnx");
        Files.write(file, model);
        Files.write(dir.resolve("tokenizer.json"), tokenizer);
        return file;
    }

    @Test
    void copiedModelLoadsFromAPath(@TempDir Path dir) throws Exception {
        try (EmbeddingModel m = EmbeddingModel.load(write(dir, onnx).toString())) {
            assertEquals(384, m.embed("a path-loaded model").length);
        }
    }

    @Test
    void missingFileAndUnknownName(@TempDir Path dir) {
        assertTrue(failure(dir.resolve("absent.onnx")).contains("model not found"));
        String unknown = assertThrows(ModelFormatException.class, () -> EmbeddingModel.load("no-such-model")).getMessage();
        assertTrue(unknown.contains("all-minilm-l6-v2"), "lists the built-in names: " + unknown);
    }

    @Test
    void truncatedOnnx(@TempDir Path dir) throws Exception {
        String msg = failure(write(dir, Arrays.copyOf(onnx, onnx.length / 3)));
        assertTrue(msg.contains("truncated or corrupt"), msg);
    }

    @Test
    void randomBytes(@TempDir Path dir) throws Exception {
        byte[] junk = new byte[100_000];
        new Random(1).nextBytes(junk);
        String msg = failure(write(dir, junk));
        assertTrue(msg.contains("ONNX"), msg);
    }

    @Test
    void wrongShapeNamesTheTensor(@TempDir Path dir) throws Exception {
        byte[] bad = OnnxRewriter.reshapeInitializer(onnx, "encoder.layer.0.intermediate.dense.bias", new long[] {1535}, 1535 * 4);
        String msg = failure(write(dir, bad));
        assertTrue(msg.contains("encoder.layer.0.intermediate.dense.bias") && msg.contains("1535"), msg);
    }

    @Test
    void shapeThatDisagreesWithItsDataIsCorrupt(@TempDir Path dir) throws Exception {
        byte[] bad = OnnxRewriter.reshapeInitializer(onnx, "encoder.layer.2.output.dense.bias", new long[] {384}, 100);
        String msg = failure(write(dir, bad));
        assertTrue(msg.contains("encoder.layer.2.output.dense.bias") && msg.contains("corrupt"), msg);
    }

    @Test
    void missingTokenizer(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("model.onnx");
        Files.write(file, onnx);
        assertTrue(failure(file).contains("no tokenizer found"));
    }

    @Test
    void corruptTokenizer(@TempDir Path dir) throws Exception {
        Path file = write(dir, onnx);
        Files.writeString(dir.resolve("tokenizer.json"), "{ not json");
        assertTrue(failure(file).contains("tokenizer"));
    }
}
