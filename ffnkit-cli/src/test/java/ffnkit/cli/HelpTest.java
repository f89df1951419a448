package ffnkit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class HelpTest {

    @Test
    void everyCommandAnswersHelpWithItsOwnUsage() {
        CommandLine root = new CommandLine(new Main());
        assertTrue(root.getSubcommands().size() >= 10, "subcommands: " + root.getSubcommands().keySet());
        for (String name : root.getSubcommands().keySet()) {
            if (name.equals("help")) {
                continue;
            }
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            int code = Main.run(new PrintWriter(out), new PrintWriter(err), name, "--help");
            assertEquals(0, code, name + " --help: " + err);
            assertTrue(out.toString().startsWith("Usage: ffnkit " + name), name + " --help printed: " + out);
            assertEquals("", err.toString(), name + " --help wrote to stderr");
        }
    }

    @Test
    void noCommandIsAUsageErrorLikeDataWithoutItsSubcommand() {
        for (String[] args : new String[][] {{}, {"data"}}) {
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            assertEquals(2, Main.run(new PrintWriter(out), new PrintWriter(err), args), String.join(" ", args));
            assertEquals("", out.toString());
            assertTrue(err.toString().startsWith("Usage: ffnkit"), err.toString());
        }
        StringWriter out = new StringWriter();
        assertEquals(0, Main.run(new PrintWriter(out), new PrintWriter(new StringWriter()), "--help"));
        assertTrue(out.toString().startsWith("Usage: ffnkit"), out.toString());
    }

    @Test
    void subcommandsOfSubcommandsToo() {
        StringWriter out = new StringWriter();
        int code = Main.run(new PrintWriter(out), new PrintWriter(new StringWriter()), "data", "wordnet", "--help");
        assertEquals(0, code);
        assertTrue(out.toString().startsWith("Usage: ffnkit data wordnet"), out.toString());
    }
}
