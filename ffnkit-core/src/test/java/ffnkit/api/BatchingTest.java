package ffnkit.api;

import ffnkit.util.Cosines;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A text's embedding must not depend on its batch mates, and edge-case texts give defined results. */
class BatchingTest {

    private static EmbeddingModel model;

    @BeforeAll
    static void load() {
        model = EmbeddingModel.load("all-minilm-l6-v2");
    }

    @AfterAll
    static void close() {
        model.close();
    }

    @Test
    void embeddingInABatchEqualsEmbeddingAlone() throws Exception {
        List<String> sentences = TestData.paritySentences().subList(0, 40);
        List<String> mixed = new ArrayList<>(sentences);
        mixed.add(3, "x");
        mixed.add(10, "a much longer text ".repeat(30));
        float[][] batch = model.batchSize(64).embed(mixed);
        for (int i = 0; i < mixed.size(); i++) {
            float[] alone = model.embed(mixed.get(i));
            // bit for bit: every kernel sums a row's terms in the same order wherever the row lands
            assertTrue(java.util.Arrays.equals(alone, batch[i]),
                    "text " + i + " differs alone vs batched by " + OnnxParityTest.maxAbsDiff(alone, batch[i]));
        }
        assertEquals(mixed.size(), batch.length);
    }

    @Test
    void emptyTextEmbedsClsSepAndIsUnitLength() {
        float[] e = model.embed("");
        double norm = 0;
        for (float v : e) {
            norm += v * v;
        }
        assertEquals(1.0, norm, 1e-5);
        assertEquals(2, model.tokenize(List.of(""))[0].length);
    }

    @Test
    void fiveThousandWordTextIsTruncatedTo256Tokens() {
        String text = "lorem ipsum dolor ".repeat(1667);
        assertEquals(256, model.tokenize(List.of(text))[0].length);
        float[] full = model.embed(text);
        // Truncation keeps the first 254 word pieces: the same text cut short has the same embedding.
        float[] cut = model.embed("lorem ipsum dolor ".repeat(200));
        assertTrue(Cosines.cosine(full, cut) > 0.9999);
    }
}
