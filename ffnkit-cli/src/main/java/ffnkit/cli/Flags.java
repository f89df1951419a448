package ffnkit.cli;

import picocli.CommandLine.Model.CommandSpec;

/** What the user typed, as opposed to a default: a flag the chosen method would ignore is refused. */
final class Flags {

    private Flags() {
    }

    /** True when {@code flag} was on the command line of {@code command} (false outside a parsed run, e.g. in tests). */
    static boolean given(CommandSpec command, String flag) {
        return command != null && command.commandLine() != null && command.commandLine().getParseResult() != null
                && command.commandLine().getParseResult().hasMatchedOption(flag);
    }
}
