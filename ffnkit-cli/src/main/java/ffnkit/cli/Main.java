package ffnkit.cli;

import ffnkit.eval.data.DatasetException;
import ffnkit.io.ModelFormatException;
import ffnkit.io.OutputFileException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.IOException;
import java.io.UncheckedIOException;

/** The {@code ffnkit} command. Errors are one line on stderr; set FFNKIT_DEBUG=1 for stack traces. */
// INHERIT: every subcommand gets --help and --version too (`ffnkit compress --help`).
@Command(name = "ffnkit", mixinStandardHelpOptions = true, version = "ffnkit 0.1.0", scope = CommandLine.ScopeType.INHERIT,
        description = "Run, analyse and compress the feed-forward networks of transformer encoders on the CPU.",
        subcommands = {
                DemoCommand.class,
                ModelsCommand.class,
                EmbedCommand.class,
                BenchCommand.class,
                CalibrateCommand.class,
                AnalyzeCommand.class,
                CompressCommand.class,
                ConvertCommand.class,
                BenchFfnCommand.class,
                EvalCommand.class,
                DataCommand.class,
                CommandLine.HelpCommand.class
        })
public final class Main implements java.util.concurrent.Callable<Integer> {

    @picocli.CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** No command given: a usage error, as for `ffnkit data` (`ffnkit --help` is the way to ask for help). */
    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return 2;
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    static int run(String... args) {
        try {
            return configure(new CommandLine(new Main())).execute(args);
        } catch (OutOfMemoryError e) {
            // picocli hands Errors through; this one has a user-facing fix.
            System.err.println("ffnkit: error: " + describe(e));
            return 1;
        }
    }

    /** Runs with stdout and stderr captured (tests). */
    static int run(java.io.PrintWriter out, java.io.PrintWriter err, String... args) {
        CommandLine cli = configure(new CommandLine(new Main()));
        cli.setOut(out);
        cli.setErr(err);
        int code = cli.execute(args);
        out.flush();
        err.flush();
        return code;
    }

    /**
     * Installs the error handling every ffnkit command shares: exceptions become one line
     * "ffnkit: error: ..." and exit code 1; bad flags exit with 2. Public to the package so tests can
     * run a single command (with its own collaborators) exactly as the launcher would.
     */
    static CommandLine configure(CommandLine cli) {
        // saved models may hold fast feedforward or LookupFFN slots: make their codecs known
        ffnkit.compress.SlotKinds.registerAll();
        hideSaveCalibrationFromCalibrate(cli);
        // "" (an unset shell variable) is the current folder to Path.of: refuse it as the flag's value
        // instead of failing later with "No such device" or a file name with no folder
        cli.registerConverter(java.nio.file.Path.class, s -> {
            if (s.isEmpty()) {
                throw new CommandLine.TypeConversionException("the path is empty: give a file or folder name");
            }
            return java.nio.file.Path.of(s);
        });
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
            cmd.getErr().println("ffnkit: error: " + describe(e));
            if (System.getenv("FFNKIT_DEBUG") != null) {
                e.printStackTrace(cmd.getErr());
            }
            return 1;
        });
        cli.setParameterExceptionHandler((e, a) -> {
            CommandLine cmd = e.getCommandLine();
            String name = cmd.getCommandSpec().qualifiedName();
            cmd.getErr().println("ffnkit: error: " + e.getMessage() + " (see: "
                    + (name.startsWith("ffnkit") ? name : "ffnkit " + name) + " --help)");
            return 2;
        });
        return cli;
    }

    /**
     * calibrate shares the calibration flags of compress and analyze but saves to --out: its help
     * should not offer --save-calibration (still parsed, so typing it gets calibrate's own error).
     */
    private static void hideSaveCalibrationFromCalibrate(CommandLine cli) {
        CommandLine calibrate = cli.getSubcommands().get("calibrate");
        if (calibrate == null) {
            return;
        }
        CommandLine.Model.CommandSpec spec = calibrate.getCommandSpec();
        CommandLine.Model.OptionSpec save = spec.findOption("--save-calibration");
        spec.remove(save);
        spec.addOption(save.toBuilder().hidden(true).build());
    }

    /** A user-facing one-line description: our own errors carry their message, others their type too. */
    static String describe(Throwable e) {
        if (e instanceof ModelFormatException || e instanceof IllegalArgumentException || e instanceof UserError
                || e instanceof DatasetException || e instanceof OutputFileException) {
            return e.getMessage();
        }
        if (e instanceof UncheckedIOException u) {
            return describe(u.getCause());
        }
        if (e instanceof IOException) {
            return e.getClass().getSimpleName() + ": " + e.getMessage();
        }
        if (e instanceof OutOfMemoryError) {
            return "out of memory: give smaller inputs (or a lower --batch where the command has one),"
                    + " or give the JVM more heap with FFNKIT_JAVA_OPTS=-Xmx16g";
        }
        return e.getClass().getSimpleName() + ": " + e.getMessage() + " (unexpected; rerun with FFNKIT_DEBUG=1 and report it)";
    }
}
