package ffnkit.eval.data;

import java.util.ArrayList;
import java.util.List;

/**
 * One WordNet synset as far as the data sets need it: its id, its gloss split into the definition
 * and the quoted example sentences.
 *
 * @param id         part-of-speech letter of the data file (n, v, a, r) + the 8-digit offset,
 *                   e.g. {@code v00022316}; unique across the four data files
 * @param gloss      the whole gloss as WordNet prints it (definition and examples)
 * @param definition the gloss without its examples (parts joined by "; ")
 * @param examples   the example sentences, without their quotes, in gloss order
 */
public record WordNetSynset(String id, String gloss, String definition, List<String> examples) {

    public WordNetSynset {
        examples = List.copyOf(examples);
    }

    /**
     * Parses one synset line of a WordNet 3.0 {@code data.*} file, or returns null for the licence
     * header lines (they start with two spaces).
     *
     * @param posLetter the letter of the file (n, v, a, r), so that ids are unique across files
     */
    public static WordNetSynset parse(String line, char posLetter, String where) {
        if (line.startsWith("  ") || line.isBlank()) {
            return null;
        }
        int bar = line.indexOf(" | ");
        int space = line.indexOf(' ');
        if (bar < 0 || space != 8) {
            throw new DatasetException(where + ": not a WordNet synset line (expected an 8-digit offset and ' | gloss')");
        }
        String gloss = line.substring(bar + 3).strip();
        return fromGloss(posLetter + line.substring(0, 8), gloss);
    }

    /**
     * Splits a gloss into definition and examples. A gloss is a list of parts separated by ';'
     * (outside quotes). A part that starts with a quote is an example (any trailing attribution such
     * as {@code - Shakespeare} is dropped). A few glosses introduce an example with a colon
     * ({@code definition: "example"}, sometimes without the space); that form is split too. Quotes anywhere else belong to the
     * definition (e.g. {@code especially in the phrase "make strides"}).
     */
    static WordNetSynset fromGloss(String id, String gloss) {
        List<String> definitionParts = new ArrayList<>();
        List<String> examples = new ArrayList<>();
        for (String rawPart : splitOutsideQuotes(gloss)) {
            String part = rawPart.strip();
            if (part.isEmpty()) {
                continue;
            }
            if (part.startsWith("\"")) {
                addExample(part, examples);
                continue;
            }
            int quote = part.indexOf('"');
            int colon = quote < 0 ? -1 : part.substring(0, quote).stripTrailing().lastIndexOf(':');
            if (colon >= 0 && part.substring(colon + 1, quote).isBlank()) {
                definitionParts.add(part.substring(0, colon).strip());
                addExample(part.substring(quote), examples);
            } else {
                definitionParts.add(part);
            }
        }
        return new WordNetSynset(id, gloss, String.join("; ", definitionParts), examples);
    }

    private static void addExample(String quotedPart, List<String> examples) {
        int close = quotedPart.indexOf('"', 1);
        String text = (close < 0 ? quotedPart.substring(1) : quotedPart.substring(1, close)).strip();
        if (!text.isEmpty()) {
            examples.add(text);
        }
    }

    private static List<String> splitOutsideQuotes(String gloss) {
        List<String> parts = new ArrayList<>();
        boolean inQuote = false;
        int start = 0;
        for (int i = 0; i < gloss.length(); i++) {
            char c = gloss.charAt(i);
            if (c == '"') {
                inQuote = !inQuote;
            } else if (c == ';' && !inQuote) {
                parts.add(gloss.substring(start, i));
                start = i + 1;
            }
        }
        parts.add(gloss.substring(start));
        return parts;
    }
}
