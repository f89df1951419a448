package ffnkit.eval.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Real lines of the WordNet 3.0 data files, one per gloss form the parser has to handle. */
class WordNetSynsetTest {

    @Test
    void definitionThenExamples() {
        String line = "00022316 29 v 05 sedate 0 calm 0 tranquilize 0 tranquillize 0 tranquillise 0 009 @ 00019448 v 0000 "
                + "+ 04470232 n 0503 01 + 09 00 | cause to be calm or quiet as by administering a sedative to; "
                + "\"The patient must be sedated before the operation\"  ";
        WordNetSynset s = WordNetSynset.parse(line, 'v', "data.verb:1");
        assertEquals("v00022316", s.id());
        assertEquals("cause to be calm or quiet as by administering a sedative to", s.definition());
        assertEquals(List.of("The patient must be sedated before the operation"), s.examples());
    }

    @Test
    void exampleIntroducedByAColonWithoutSpace() {
        String line = "00343360 00 s 03 ineluctable 0 inescapable 0 unavoidable 0 001 & 00343015 a 0000 | impossible to "
                + "avoid or evade:\"inescapable conclusion\"; \"an ineluctable destiny\"; \"an unavoidable accident\"  ";
        WordNetSynset s = WordNetSynset.parse(line, 'a', "data.adj:1");
        assertEquals("impossible to avoid or evade", s.definition());
        assertEquals(List.of("inescapable conclusion", "an ineluctable destiny", "an unavoidable accident"), s.examples());
    }

    @Test
    void quotesInsideTheDefinitionStayThere() {
        String line = "00249987 04 n 01 stride 1 001 @ 00249501 n 0000 | significant progress (especially in the phrase "
                + "\"make strides\"); \"they made big strides in productivity\"  ";
        WordNetSynset s = WordNetSynset.parse(line, 'n', "data.noun:1");
        assertEquals("significant progress (especially in the phrase \"make strides\")", s.definition());
        assertEquals(List.of("they made big strides in productivity"), s.examples());
    }

    @Test
    void semicolonInsideAnExampleDoesNotSplitIt() {
        WordNetSynset s = WordNetSynset.fromGloss("n1", "a thing; another sense; \"first; still first\"; \"second\" - Author");
        assertEquals("a thing; another sense", s.definition());
        assertEquals(List.of("first; still first", "second"), s.examples());
    }

    @Test
    void licenceHeaderIsSkippedAndGarbageIsAnError() {
        assertNull(WordNetSynset.parse("  1 This software and database is being provided to you", 'n', "x:1"));
        var e = assertThrows(DatasetException.class, () -> WordNetSynset.parse("not a synset", 'n', "data.noun:7"));
        assertTrue(e.getMessage().startsWith("data.noun:7: "), e.getMessage());
    }
}
