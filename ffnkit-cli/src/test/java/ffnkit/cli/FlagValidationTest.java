package ffnkit.cli;

import ffnkit.kernels.Parallel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.function.Supplier;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Flags a tester found accepted although out of range, NaN, empty, or silently ignored: each must
 * now fail at once (before any model is loaded or any work is done) with one line that names the
 * flag. "At once" is checked by giving no model and no data the command could use: had it passed
 * the check, it would have failed differently or run.
 */
class FlagValidationTest {

    static Stream<Arguments> rejected() {
        return Stream.of(
                // shared by every command that runs a model; 100000 used to run out of native threads after 30 s
                bad(EmbedCommand::new, "--threads", "--threads", "100000"),
                bad(EmbedCommand::new, "--max-tokens", "--max-tokens", "-1"),
                bad(BenchFfnCommand::new, "--threads", "--fff", "1x4", "--threads", "5000"),
                // integer overflow inside the benchmark's arrays before
                bad(BenchFfnCommand::new, "--tokens", "--fff", "1x4", "--tokens", "100000000"),
                bad(BenchFfnCommand::new, "--width", "--fff", "1x4", "--tokens", "1", "--width", "100000000"),
                bad(BenchFfnCommand::new, "--tokens", "--fff", "1x4", "--tokens", ","),
                // "tau must be in 1..16" named no flag
                bad(BenchFfnCommand::new, "--lookup", "--lookup", "8x40", "--tokens", "1"),
                bad(BenchFfnCommand::new, "--table-format", "--fff", "1x4", "--tokens", "1", "--table-format", "bf16"),
                bad(BenchCommand::new, "--batch", "--batch", ",", "--seq", "8"),
                bad(BenchCommand::new, "--max-tokens", "--max-tokens", "4", "--seq", "8"),
                // NaN passed `x < 0 || x >= 1` style checks
                bad(CompressCommand::new, "--heavy", "--heavy", "NaN", "--out", "m.st"),
                bad(CompressCommand::new, "--rank", "--rank", "NaN", "--out", "m.st"),
                bad(CompressCommand::new, "--rank", "--rank", "1.5", "--out", "m.st"),
                // flags that the chosen method would have ignored
                bad(CompressCommand::new, "--whiten", "--light", "rtn", "--whiten", "--out", "m.st"),
                bad(CompressCommand::new, "--bits", "--bits", "4", "--out", "m.st"),
                bad(CompressCommand::new, "--group", "--group", "64", "--out", "m.st"),
                bad(CompressCommand::new, "--rank", "--light", "awq", "--rank", "0.2", "--out", "m.st"),
                bad(CompressCommand::new, "--up-rank-share", "--up-rank-share", "1", "--out", "m.st"),
                bad(CompressCommand::new, "--up-rank-share", "--light", "rtn", "--up-rank-share", "0.7", "--out", "m.st"),
                // no split: nothing to move the light part's error into
                bad(CompressCommand::new, "--compensate", "--heavy", "0", "--compensate", "--out", "m.st"),
                bad(DemoCommand::new, "--compensate", "--heavy", "0", "--compensate"),
                // a quantised light part keeps its codes: its refit moves into the heavy rows, which need a split
                bad(CompressCommand::new, "--refit", "--heavy", "0", "--light", "awq", "--refit", "--out", "m.st"),
                bad(DemoCommand::new, "--refit", "--heavy", "0", "--light", "rtn", "--sequential-refit"),
                bad(DemoCommand::new, "--corpus-limit", "--corpus-limit", "-1"),
                bad(AnalyzeCommand::new, "--ablation-fraction", "--ablation-fraction", "NaN"),
                bad(CalibrateCommand::new, "--save-calibration", "--save-calibration", "a.st", "--out", "c.st"),
                bad(CalibrateCommand::new, "--threshold", "--threshold", "NaN", "--out", "c.st"),
                bad(AnalyzeCommand::new, "--threshold", "--calibration", "saved.st", "--threshold", "0.2"),
                // saved statistics read no texts unless a refit does: the limit did nothing
                bad(CompressCommand::new, "--calib-limit", "--calibration", "saved.st", "--calib-limit", "10", "--out", "m.st"),
                bad(AnalyzeCommand::new, "--calib-limit", "--calibration", "saved.st", "--calib-limit", "10"),
                // batch * 8 overflowed; a batch too large for one forward pass is the encoder's check
                bad(EmbedCommand::new, "--batch", "--batch", "100000"),
                bad(CompressCommand::new, "--threshold", "--threshold", "-1", "--out", "m.st"),
                bad(ConvertCommand::new, "--max-rows", "--to", "lookup", "--max-rows", "0", "--out", "m.st"),
                bad(ConvertCommand::new, "--calib-limit", "--to", "fff", "--calib-limit", "-1", "--out", "m.st"),
                bad(ConvertCommand::new, "--depth", "--to", "fff", "--depth", "-1", "--out", "m.st"),
                bad(ConvertCommand::new, "--epochs", "--to", "fff", "--epochs", "0", "--out", "m.st"),
                bad(ConvertCommand::new, "--tables", "--to", "fff", "--tables", "3", "--out", "m.st"),
                bad(ConvertCommand::new, "--depth", "--to", "lookup", "--depth", "3", "--out", "m.st"),
                bad(DataCommand::new, "--parity", "wordnet", "--wordnet-dir", "/nonexistent", "--parity", "0"));
    }

    private static Arguments bad(Supplier<Object> command, String flag, String... args) {
        return Arguments.of(command, flag, args);
    }

    @ParameterizedTest(name = "{2}")
    @MethodSource("rejected")
    void rejectedAtOnceInOneLineNamingTheFlag(Supplier<Object> command, String flag, String[] args) {
        var r = DataCommandTest.run(command.get(), withMissingModel(args));
        assertEquals(1, r.code(), r.err());
        assertTrue(r.err().startsWith("ffnkit: error: ") && r.err().contains(flag), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertFalse(r.err().contains("unexpected") || r.err().contains("Exception"), r.err());
    }

    /**
     * Commands with --model get one that does not exist: a check that ran only after loading would
     * then report the missing model instead of the flag.
     */
    private static String[] withMissingModel(String[] args) {
        if (args.length > 0 && (args[0].equals("wordnet") || Arrays.asList(args).contains("--fff") || Arrays.asList(args).contains("--lookup"))) {
            return args;
        }
        String[] a = Arrays.copyOf(args, args.length + 2);
        a[args.length] = "--model";
        a[args.length + 1] = "/nonexistent/model.onnx";
        return a;
    }

    @Test
    void calibLimitWithSavedStatisticsIsAcceptedWhenARefitReadsTheTexts() {
        var r = DataCommandTest.run(new CompressCommand(), withMissingModel(new String[] {"--calibration", "saved.st",
                "--calib-limit", "10", "--whiten", "--refit", "--out", "m.st"}));
        assertEquals(1, r.code(), r.err());
        assertTrue(r.err().contains("/nonexistent/model.onnx") && !r.err().contains("--calib-limit"), r.err());
    }

    @Test
    void demoWithALowRankFlagAloneIsTheUsersOwnSettingNotTheRecommendedAwq() {
        // the recommended AWQ setting used to be applied under --up-rank-share, which then refused it for awq
        var r = DataCommandTest.run(new DemoCommand(), withMissingModel(new String[] {"--up-rank-share", "0.9"}));
        assertEquals(1, r.code(), r.err());
        assertTrue(r.err().contains("/nonexistent/model.onnx") && !r.err().contains("--up-rank-share"), r.err());
    }

    @Test
    void calibrateHelpDoesNotOfferTheFlagItRefuses() {
        var out = new java.io.StringWriter();
        var err = new java.io.StringWriter();
        assertEquals(0, Main.run(new java.io.PrintWriter(out), new java.io.PrintWriter(err), "calibrate", "--help"));
        assertTrue(out.toString().contains("--calib-limit"), out.toString());
        assertFalse(out.toString().contains("--save-calibration="), out.toString());
        out.getBuffer().setLength(0);
        assertEquals(0, Main.run(new java.io.PrintWriter(out), new java.io.PrintWriter(err), "compress", "--help"));
        assertTrue(out.toString().contains("--save-calibration="), out.toString());
        // still parsed by calibrate, so typing it gets calibrate's own explanation
        assertEquals(1, Main.run(new java.io.PrintWriter(out), new java.io.PrintWriter(err), "calibrate",
                "--save-calibration", "a.st", "--out", "c.st"));
        assertTrue(err.toString().contains("calibrate writes its statistics to --out"), err.toString());
    }

    @Test
    void theThreadPoolRefusesAbsurdSizesBeforeStartingThreads() {
        assertThrows(IllegalArgumentException.class, () -> new Parallel(Parallel.MAX_THREADS + 1));
        assertThrows(IllegalArgumentException.class, () -> new Parallel(0));
        Parallel p = new Parallel(3);
        assertEquals(3, p.threads());
        p.close();
    }

    @Test
    void wordnetSizesBeyondThePoolAreCappedWithAWarningInsteadOfSpinning(@TempDir Path dir) throws Exception {
        Path wn = DataCommandTest.wordnetFiles(dir);
        long start = System.nanoTime();
        var r = DataCommandTest.run(new DataCommand(), "wordnet", "--wordnet-dir", wn.toString(), "--out",
                dir.resolve("out").toString(), "--queries", "10", "--calibration", "20", "--parity", "100000000");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("warning: --parity 100000000 asked for more than WordNet offers"), r.err());
        assertTrue(System.nanoTime() - start < 60_000_000_000L, "the pool of 60 synsets is exhausted quickly");
        long written = Files.readAllLines(dir.resolve("out/parity/sentences.txt")).stream().filter(s -> !s.isBlank()).count();
        assertTrue(written > 0 && written < 200, "all distinct texts of the tiny pool: " + written);
    }
}
