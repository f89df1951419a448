package ffnkit.util;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProgressTest {

    @Test
    void wholeLinesRateLimitedButAlwaysTheFirstAndTheLast() {
        StringWriter w = new StringWriter();
        Progress p = Progress.to(new PrintWriter(w));
        for (int i = 1; i <= 1000; i++) {
            p.update("embedding corpus", i, 1000);
        }
        p.update("training", 5, 5, "loss 0.25");
        List<String> lines = w.toString().lines().toList();
        assertTrue(lines.getFirst().matches("embedding corpus 1/1000 \\d+s"), lines.toString());
        assertTrue(lines.contains("embedding corpus 1000/1000 0s") || lines.stream()
                .anyMatch(l -> l.matches("embedding corpus 1000/1000 \\d+s")), lines.toString());
        assertTrue(lines.size() < 10, "at most one line a second: " + lines);
        assertTrue(lines.getLast().matches("training 5/5 \\d+s loss 0.25"), lines.toString());
        assertTrue(w.toString().indexOf('\r') < 0, "no carriage returns in logs");
    }

    @Test
    void silentPrintsNothing() {
        Progress.silent().update("x", 1, 1); // no exception, no output
    }
}
