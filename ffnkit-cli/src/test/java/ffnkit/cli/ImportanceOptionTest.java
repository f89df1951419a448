package ffnkit.cli;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ImportanceOptionTest {

    @Test
    void analyzeRejectsTheCompressionOnlyScoreInOneLine() {
        var r = DataCommandTest.run(new AnalyzeCommand(), "--importance", "light-error");
        assertNotEquals(0, r.code());
        assertTrue(r.err().contains("light-error") && r.err().contains("compress"), r.err());
        assertFalse(r.err().contains("\tat "), "no stack trace: " + r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
    }

    @Test
    void compressNeedsTheActivationGramForLightErrorWhateverTheLightMethod() {
        CompressOptions o = new CompressOptions();
        o.light = "rtn";
        o.importance = "light-error";
        o.heavy = 0.05;
        assertTrue(o.needsActivationGram());
        o.heavy = 0;
        assertFalse(o.needsActivationGram(), "the vanilla method has no heavy set to score");
        o.importance = "output-norm";
        o.heavy = 0.05;
        assertFalse(o.needsActivationGram());
    }
}
