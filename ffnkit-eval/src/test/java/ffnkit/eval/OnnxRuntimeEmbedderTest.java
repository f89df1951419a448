package ffnkit.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ffnkit.eval.data.BeirFiles;
import ffnkit.util.Cosines;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The oracle on the real all-MiniLM-L6-v2: the properties later comparisons rely on. */
class OnnxRuntimeEmbedderTest {

    @TempDir
    static Path dir;
    static OnnxRuntimeEmbedder model;

    @BeforeAll
    static void open() throws Exception {
        model = new OnnxRuntimeEmbedder(extract("all-minilm-l6-v2.onnx"), extract("all-minilm-l6-v2-tokenizer.json"), 256, 2);
    }

    @AfterAll
    static void close() {
        model.close();
    }

    private static Path extract(String resource) throws Exception {
        try (InputStream in = OnnxRuntimeEmbedderTest.class.getResourceAsStream("/" + resource)) {
            Path file = dir.resolve(resource);
            Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
            return file;
        }
    }

    private static List<String> parity(int n) {
        Path p = Path.of("").toAbsolutePath();
        while (!Files.isDirectory(p.resolve("datasets/parity"))) {
            p = p.getParent();
        }
        return BeirFiles.readLines(p.resolve("datasets/parity/sentences.txt")).subList(0, n);
    }

    @Test
    void unitVectorsIndependentOfBatchMates() {
        List<String> texts = parity(24);
        float[][] batched = model.embed(texts);
        for (int i = 0; i < texts.size(); i++) {
            float[] alone = model.embed(List.of(texts.get(i)))[0];
            assertEquals(384, alone.length);
            double norm = 0;
            for (float v : alone) {
                norm += v * v;
            }
            assertEquals(1.0, norm, 1e-5);
            assertTrue(Cosines.cosine(alone, batched[i]) > 0.99999, "padding changed text " + i);
        }
    }

    @Test
    void meaningIsCloserThanWords() {
        float[][] e = model.embed(new ArrayList<>(List.of(
                "a domesticated carnivorous mammal that barks", "the dog chased the postman down the street",
                "an account of the bank's financial position")));
        assertTrue(Cosines.cosine(e[0], e[1]) > Cosines.cosine(e[0], e[2]) + 0.1);
    }
}
