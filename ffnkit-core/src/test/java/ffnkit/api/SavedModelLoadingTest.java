package ffnkit.api;

import ffnkit.io.SavedModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class SavedModelLoadingTest {

    @Test
    void savedCopyOfABuiltinModelEmbedsIdenticallyAndKnowsItsOrigin(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("copy.safetensors");
        try (EmbeddingModel original = EmbeddingModel.load("e5-small-v2")) {
            SavedModel.write(file, original.encoder(),
                    Map.of(SavedModelInfo.SOURCE_MODEL, "e5-small-v2", SavedModelInfo.QUERY_PREFIX, "query: ",
                            SavedModelInfo.PASSAGE_PREFIX, "passage: "),
                    original.tokenizer().json().getBytes(StandardCharsets.UTF_8));
            try (EmbeddingModel copy = EmbeddingModel.load(file.toString())) {
                List<String> texts = TestData.paritySentences().subList(0, 20);
                float[][] a = original.embedQueries(texts);
                float[][] b = copy.embedQueries(texts);
                // The weights reload bit-exact (SavedModelTest); embeddings may still differ in the last
                // bit because Vector API lane reductions add in a different order once C2 compiles them.
                for (int i = 0; i < a.length; i++) {
                    assertArrayEquals(a[i], b[i], 1e-6f);
                }
                assertEquals("query: ", copy.queryPrefix());
                assertEquals(original.readOnnxSource().length, copy.readOnnxSource().length);
                assertEquals(512, copy.tokenizer().maxTokens());
            }
            try (EmbeddingModel shorter = EmbeddingModel.load(file.toString(), 8)) {
                assertEquals(8, shorter.tokenize(List.of("a b c d e f g h i j k l"))[0].length);
            }
        }
    }
}
