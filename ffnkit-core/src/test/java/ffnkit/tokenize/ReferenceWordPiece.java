package ffnkit.tokenize;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.text.Normalizer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * BERT's uncased tokenisation written out from the original BasicTokenizer + WordpieceTokenizer
 * (clean text, split CJK, lowercase, strip accents, split punctuation, greedy longest-match word
 * pieces): an independent reference for the DJL/Hugging Face tokenizer.
 */
final class ReferenceWordPiece {

    private final Map<String, Integer> vocab = new HashMap<>();
    private final int unk;
    private final int cls;
    private final int sep;

    ReferenceWordPiece(String tokenizerJson) throws Exception {
        JsonNode v = new ObjectMapper().readTree(tokenizerJson).path("model").path("vocab");
        v.fields().forEachRemaining(e -> vocab.put(e.getKey(), e.getValue().asInt()));
        unk = vocab.get("[UNK]");
        cls = vocab.get("[CLS]");
        sep = vocab.get("[SEP]");
    }

    int[] encode(String text, int maxTokens) {
        List<Integer> ids = new ArrayList<>();
        ids.add(cls);
        for (String word : basicTokens(text)) {
            ids.addAll(wordPieces(word));
        }
        List<Integer> body = ids.size() > maxTokens - 1 ? ids.subList(0, maxTokens - 1) : ids;
        int[] out = new int[body.size() + 1];
        for (int i = 0; i < body.size(); i++) {
            out[i] = body.get(i);
        }
        out[body.size()] = sep;
        return out;
    }

    private List<String> basicTokens(String text) {
        StringBuilder clean = new StringBuilder();
        text.codePoints().forEach(c -> {
            if (c == 0 || c == 0xFFFD || isControl(c)) {
                return;
            }
            if (Character.isWhitespace(c) || Character.getType(c) == Character.SPACE_SEPARATOR) {
                clean.append(' ');
            } else if (isCjk(c)) {
                clean.append(' ').appendCodePoint(c).append(' ');
            } else {
                clean.appendCodePoint(c);
            }
        });
        String lowered = Normalizer.normalize(clean.toString().toLowerCase(java.util.Locale.ROOT), Normalizer.Form.NFD);
        List<String> tokens = new ArrayList<>();
        for (String w : lowered.split(" +")) {
            StringBuilder cur = new StringBuilder();
            w.codePoints().forEach(c -> {
                if (Character.getType(c) == Character.NON_SPACING_MARK) {
                    return;
                }
                if (isPunctuation(c)) {
                    if (!cur.isEmpty()) {
                        tokens.add(cur.toString());
                        cur.setLength(0);
                    }
                    tokens.add(new String(Character.toChars(c)));
                } else {
                    cur.appendCodePoint(c);
                }
            });
            if (!cur.isEmpty()) {
                tokens.add(cur.toString());
            }
        }
        return tokens;
    }

    private List<Integer> wordPieces(String word) {
        if (word.codePointCount(0, word.length()) > 100) {
            return List.of(unk);
        }
        List<Integer> out = new ArrayList<>();
        int start = 0;
        while (start < word.length()) {
            int end = word.length();
            Integer found = null;
            while (start < end) {
                String piece = (start > 0 ? "##" : "") + word.substring(start, end);
                if (vocab.containsKey(piece)) {
                    found = vocab.get(piece);
                    break;
                }
                end--;
            }
            if (found == null) {
                return List.of(unk);
            }
            out.add(found);
            start = end;
        }
        return out;
    }

    private static boolean isControl(int c) {
        if (c == '\t' || c == '\n' || c == '\r') {
            return false;
        }
        int t = Character.getType(c);
        return t == Character.CONTROL || t == Character.FORMAT;
    }

    private static boolean isPunctuation(int c) {
        if ((c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) || (c >= 123 && c <= 126)) {
            return true;
        }
        int t = Character.getType(c);
        return t == Character.CONNECTOR_PUNCTUATION || t == Character.DASH_PUNCTUATION || t == Character.START_PUNCTUATION
                || t == Character.END_PUNCTUATION || t == Character.INITIAL_QUOTE_PUNCTUATION
                || t == Character.FINAL_QUOTE_PUNCTUATION || t == Character.OTHER_PUNCTUATION;
    }

    private static boolean isCjk(int c) {
        return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x20000 && c <= 0x2A6DF)
                || (c >= 0x2A700 && c <= 0x2B73F) || (c >= 0x2B740 && c <= 0x2B81F) || (c >= 0x2B820 && c <= 0x2CEAF)
                || (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F);
    }
}
