package ffnkit.cli;

import ffnkit.eval.data.WordNetBuilder;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ffnkit data ...}: builds the data sets ffnkit evaluates and calibrates on. Errors are thrown
 * and reported by {@link Main}'s handler (one line, exit code 1).
 */
@Command(name = "data",
        description = "Build evaluation, calibration and parity data.",
        subcommands = DataCommand.WordNet.class)
public final class DataCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return 2;
    }

    /** {@code ffnkit data wordnet}: regenerates datasets/ from the Debian package wordnet-base. */
    @Command(name = "wordnet",
            description = {"Build wordnet-gloss-example (BEIR layout), the calibration text and the parity sentences "
                    + "from WordNet 3.0. The defaults reproduce the committed files under datasets/."})
    public static final class WordNet implements Callable<Integer> {

        @Spec
        CommandSpec spec;

        @Option(names = "--wordnet-dir", paramLabel = "DIR", defaultValue = "/usr/share/wordnet",
                description = "WordNet data files (data.noun, ...); default: ${DEFAULT-VALUE}")
        Path wordnetDir;

        @Option(names = "--out", paramLabel = "DIR", defaultValue = "datasets",
                description = "output root; default: ${DEFAULT-VALUE}")
        Path out;

        @Option(names = "--queries", paramLabel = "N", defaultValue = "3000", description = "queries kept; default: ${DEFAULT-VALUE}")
        int queries;

        @Option(names = "--seed", paramLabel = "S", defaultValue = "42", description = "random seed; default: ${DEFAULT-VALUE}")
        long seed;

        @Option(names = "--calibration", paramLabel = "N", defaultValue = "5000",
                description = "calibration texts; default: ${DEFAULT-VALUE}")
        int calibration;

        @Option(names = "--parity", paramLabel = "N", defaultValue = "300", description = "parity sentences; default: ${DEFAULT-VALUE}")
        int parity;

        @Override
        public Integer call() {
            PrintWriter err = spec.commandLine().getErr();
            PrintWriter stdout = spec.commandLine().getOut();
            var options = new WordNetBuilder.Options(queries, seed, calibration, parity);
            OutputPaths.checkFolder("--out", out);
            err.println("reading WordNet from " + wordnetDir);
            err.flush();
            var result = WordNetBuilder.build(WordNetBuilder.readSynsets(wordnetDir), options);
            WordNetBuilder.write(result, out, options);
            int judgements = result.dataset().qrels().values().stream().mapToInt(Map::size).sum();
            stdout.printf("%s: %d queries, %d documents, %d judgements%n", out.resolve(WordNetBuilder.DATASET_NAME),
                    result.dataset().queries().size(), result.dataset().corpus().size(), judgements);
            stdout.printf("%s: %d texts%n", out.resolve("calibration/wordnet-glosses.txt"), result.calibration().size());
            stdout.printf("%s: %d texts%n", out.resolve("parity/sentences.txt"), result.parity().size());
            stdout.flush();
            warnShort(err, "--queries", queries, result.dataset().queries().size());
            warnShort(err, "--calibration", calibration, result.calibration().size());
            warnShort(err, "--parity", parity, result.parity().size());
            return 0;
        }

        private static void warnShort(PrintWriter err, String flag, int asked, int got) {
            if (got < asked) {
                err.printf("warning: %s %d asked for more than WordNet offers; wrote all %d%n", flag, asked, got);
                err.flush();
            }
        }
    }
}
