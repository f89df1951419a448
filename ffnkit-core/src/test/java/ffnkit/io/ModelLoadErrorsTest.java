package ffnkit.io;

import ffnkit.api.EmbeddingModel;
import ffnkit.model.BertWeights;
import ffnkit.model.Encoder;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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

    @Test
    void nonUtf8TokenizerIsNamedAsSuch(@TempDir Path dir) throws Exception {
        Path file = write(dir, onnx);
        Files.write(dir.resolve("tokenizer.json"), new byte[] {'{', '"', (byte) 0xff, (byte) 0xfe, '"', '}'});
        String msg = failure(file);
        assertTrue(msg.contains("tokenizer.json") && msg.contains("not valid UTF-8"), msg);
    }

    // ---- damaged ffnkit saved models: the reader's error, never "cannot tell the format" ----

    private static Path saved(Path dir, String name, BertWeights weights, byte[] tokenizerJson) throws Exception {
        Path file = dir.resolve(name);
        SavedModel.write(file, Encoder.of(weights), Map.of(), tokenizerJson);
        return file;
    }

    private static Path saved(Path dir, String name) throws Exception {
        return saved(dir, name, TestModels.random(TestModels.config(16, 2, 4, 32, 50, 20), 1), tokenizer);
    }

    private static String savedFailure(Path model) {
        String msg = failure(model);
        assertFalse(msg.contains("cannot tell the format"), msg);
        assertTrue(msg.startsWith(model.getFileName().toString()), "names the file: " + msg);
        return msg;
    }

    @Test
    void truncatedSavedModel(@TempDir Path dir) throws Exception {
        Path f = saved(dir, "m.safetensors");
        byte[] bytes = Files.readAllBytes(f);
        Files.write(f, Arrays.copyOf(bytes, bytes.length - 1));
        String msg = savedFailure(f);
        assertTrue(msg.contains("is truncated") && msg.contains("re-create"), msg);

        // without the .safetensors name it is still recognised by its layout
        Path g = saved(dir, "model.bin");
        Files.write(g, Arrays.copyOf(Files.readAllBytes(g), bytes.length / 2));
        msg = savedFailure(g);
        assertTrue(msg.contains("is truncated"), msg);
    }

    @Test
    void damagedHeaderLength(@TempDir Path dir) throws Exception {
        Path f = saved(dir, "m.safetensors");
        byte[] bytes = Files.readAllBytes(f);
        for (long length : new long[] {Long.MAX_VALUE, 0}) {
            ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putLong(0, length);
            Files.write(f, bytes);
            String msg = savedFailure(f);
            assertTrue(msg.contains("header length of " + length) && msg.contains("re-create"), msg);
        }
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putLong(0, bytes.length);
        Files.write(f, bytes);
        String msg = savedFailure(f);
        assertTrue(msg.contains("is truncated: its header needs " + bytes.length), msg);
    }

    @Test
    void dtypeThatNoLongerMatchesItsOffsets(@TempDir Path dir) throws Exception {
        Path f = saved(dir, "m.safetensors");
        byte[] bytes = Files.readAllBytes(f);
        String header = new String(bytes, StandardCharsets.ISO_8859_1);
        int at = header.indexOf("\"F32\"");
        assertTrue(at > 8, "the header names a dtype");
        bytes[at + 2] = '6';
        bytes[at + 3] = '4';
        Files.write(f, bytes);
        String msg = savedFailure(f);
        assertTrue(msg.contains("of F64 needs") && msg.contains("corrupt header"), msg);
    }

    @Test
    void savedModelNamedOnnxLoadsAsTheSavedModelItIs(@TempDir Path dir) throws Exception {
        // a saved model renamed (or saved) as .onnx, with no tokenizer beside it: it carries its own,
        // so it must load, not fail with "no tokenizer found" or "not a readable ONNX model"
        Path f = saved(dir, "model.onnx");
        try (EmbeddingModel m = EmbeddingModel.load(f.toString())) {
            assertEquals(16, m.dimension());
            assertEquals(2, m.encoder().config().layers());
        }
    }

    @Test
    void plainSafetensorsFile(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("weights.safetensors");
        new SafetensorsWriter().add("x", new float[] {1}, 1).write(f);
        String msg = savedFailure(f);
        assertTrue(msg.contains("is a safetensors file but not an ffnkit saved model"), msg);
    }

    @Test
    void unknownFileListsSavedModelsAmongTheFormats(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("notes.txt");
        Files.writeString(f, "not a model");
        String msg = failure(f);
        assertTrue(msg.startsWith("cannot tell the format") && msg.contains("ffnkit saved model"), msg);
    }

    @Test
    void savedModelWithoutTokenizer(@TempDir Path dir) throws Exception {
        Path f = saved(dir, "m.safetensors", TestModels.random(TestModels.config(16, 2, 4, 32, 50, 20), 1), null);
        assertEquals("m.safetensors has no ffnkit.tokenizer metadata: the file is damaged; re-create it", savedFailure(f));
    }

    @Test
    void nonFiniteWeightsAreRefusedDespiteValidChecksums(@TempDir Path dir) throws Exception {
        BertWeights w = TestModels.random(TestModels.config(16, 2, 4, 32, 50, 20), 1);
        w.wordEmbeddings()[37] = Float.NaN;
        Path f = saved(dir, "m.safetensors", w, tokenizer);
        assertEquals("m.safetensors: tensor 'embeddings.word' holds a NaN or infinite value (element 37): "
                + "the model is unusable; re-create it", savedFailure(f));
    }
}
