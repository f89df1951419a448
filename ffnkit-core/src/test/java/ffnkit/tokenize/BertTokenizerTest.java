package ffnkit.tokenize;

import ffnkit.api.TestData;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class BertTokenizerTest {

    private static String json;

    @BeforeAll
    static void read() throws Exception {
        try (InputStream in = BertTokenizerTest.class.getResourceAsStream("/all-minilm-l6-v2-tokenizer.json")) {
            json = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void knownIdsOfBertUncasedVocabulary() {
        try (BertTokenizer t = new BertTokenizer(json, 256)) {
            // [CLS]=101, hello=7592, world=2088, [SEP]=102 in bert-base-uncased's vocab.txt; "!" = 999
            assertArrayEquals(new int[] {101, 7592, 2088, 999, 102}, t.encode("Hello World!"));
            assertArrayEquals(new int[] {101, 102}, t.encode(""));
        }
    }

    @Test
    void idsEqualTheReferenceWordPieceOnRealSentences() throws Exception {
        ReferenceWordPiece reference = new ReferenceWordPiece(json);
        List<String> texts = new ArrayList<>(TestData.paritySentences());
        texts.add("Café naïve résumé — “quoted” text…");
        texts.add("日本語のテキスト and emoji 🙂 mixed");
        texts.add("tabs\tand\nnewlines   and   spaces");
        try (BertTokenizer t = new BertTokenizer(json, 256)) {
            for (String s : texts) {
                assertArrayEquals(reference.encode(s, 256), t.encode(s), s);
            }
        }
    }

    @Test
    void longTextIsTruncatedToMaxTokensKeepingSep() throws Exception {
        String longText = "word ".repeat(5000);
        try (BertTokenizer t = new BertTokenizer(json, 256)) {
            int[] ids = t.encode(longText);
            assertEquals(256, ids.length);
            assertEquals(101, ids[0]);
            assertEquals(102, ids[255]);
            assertArrayEquals(new ReferenceWordPiece(json).encode(longText, 256), ids);
        }
    }
}
