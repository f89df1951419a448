package ffnkit.cli;

import picocli.CommandLine.Model.CommandSpec;

/**
 * Checks shared by several commands' flags. What the user typed, as opposed to a default: a flag the
 * chosen method would ignore is refused.
 */
final class Flags {

    private Flags() {
    }

    /** True when {@code flag} was on the command line of {@code command} (false outside a parsed run, e.g. in tests). */
    static boolean given(CommandSpec command, String flag) {
        return command != null && command.commandLine() != null && command.commandLine().getParseResult() != null
                && command.commandLine().getParseResult().hasMatchedOption(flag);
    }

    /**
     * Texts per forward pass. The cap keeps batch arithmetic in int range; whether a batch's tokens
     * fit in one pass is the encoder's own check, which knows the model's widths.
     */
    static void checkBatch(int batch) {
        if (batch < 1 || batch > MAX_BATCH) {
            throw new UserError("--batch must be between 1 and " + MAX_BATCH + ", got " + batch);
        }
    }

    static final int MAX_BATCH = 65_536;
}
