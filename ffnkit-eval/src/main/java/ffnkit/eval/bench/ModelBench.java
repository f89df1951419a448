package ffnkit.eval.bench;

import ffnkit.kernels.Parallel;
import ffnkit.model.BertConfig;
import ffnkit.model.Encoder;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Whole-model throughput: our encoder and (optionally) ONNX Runtime on the same real token ids,
 * run in alternation in one process after warm-up so both see the same machine state.
 */
public final class ModelBench {

    /**
     * One configuration's result; ortMs and its speedup are NaN without ONNX Runtime, baselineMs
     * and its speedup (baseline ms / our ms) NaN without a baseline encoder.
     */
    public record Result(int batch, int seq, int threads, double ms, double ortMs, double speedupVsOrt,
                         double sequencesPerSecond, double ortSequencesPerSecond, double gflops, double ortGflops,
                         long peakRssMb, double baselineMs, double speedupVsBaseline) {
    }

    private ModelBench() {
    }

    /**
     * Real token ids of exactly {@code seq} tokens: [CLS], a window of a tokenised text stream, [SEP].
     * Each sequence takes a different window so no two rows are the same.
     */
    public static int[][] realSequences(int[] stream, int batch, int seq, int cls, int sep) {
        int body = seq - 2;
        if (stream.length < body) {
            throw new IllegalArgumentException("text stream of " + stream.length + " tokens is too short for seq " + seq);
        }
        int[][] ids = new int[batch][seq];
        for (int b = 0; b < batch; b++) {
            int start = (int) ((long) b * 7919 * body % Math.max(1, stream.length - body));
            ids[b][0] = cls;
            System.arraycopy(stream, start, ids[b], 1, body);
            ids[b][seq - 1] = sep;
        }
        return ids;
    }

    /** FLOPs of one forward pass over batch x seq tokens (dense GEMMs and attention; norms ignored). */
    public static double flops(BertConfig c, long ffnFlopsPerToken, int batch, int seq) {
        double d = c.hidden();
        double tokens = (double) batch * seq;
        double attentionProjections = 2 * d * 3 * d + 2 * d * d;
        double attentionScores = 2.0 * 2 * seq * d;
        return c.layers() * tokens * (attentionProjections + attentionScores) + tokens * c.layers() * ffnFlopsPerToken;
    }

    public static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    /** Timed runs of one engine in a row before switching to the next. */
    static final int BLOCK = 3;

    /**
     * Our engines run alone for at least this long before anything is timed (override:
     * -Dffnkit.bench.warmupMs=N). The JIT needs seconds, not a number of runs, to compile the
     * Vector API kernels: a converted FFF model at 8 x 128 measured 40% slow after 2 warm-up runs
     * (its kernel still interpreted), while the same model at 32 x 128, timed later, was not.
     */
    static final long MIN_WARMUP_NANOS = Long.getLong("ffnkit.bench.warmupMs", 3000) * 1_000_000L;

    /**
     * @param ort ONNX Runtime on the reference model, or null to time ours alone
     * @param repetitions timed runs per engine after {@code warmup} untimed ones
     */
    public static Result run(Encoder encoder, OrtEncoder ort, int[][] ids, int threads, int warmup, int repetitions)
            throws Exception {
        return run(encoder, null, ort, ids, threads, warmup, repetitions);
    }

    /**
     * @param baseline another encoder of ours (the dense model a compressed one came from), run in
     *                 the same alternation, or null
     */
    public static Result run(Encoder encoder, Encoder baseline, OrtEncoder ort, int[][] ids, int threads, int warmup,
                             int repetitions) throws Exception {
        int batch = ids.length;
        int seq = ids[0].length;
        long until = System.nanoTime() + MIN_WARMUP_NANOS;
        do {
            encoder.embed(ids);
            if (baseline != null) {
                baseline.embed(ids);
            }
        } while (System.nanoTime() < until);
        for (int i = 0; i < warmup; i++) {
            encoder.embed(ids);
            if (baseline != null) {
                baseline.embed(ids);
            }
            if (ort != null) {
                ort.hiddenStates(ids);
            }
        }
        // The engines take turns in blocks: an untimed run, then up to BLOCK timed ones of the same
        // engine, the lead rotating. ONNX Runtime's intra-op threads keep spinning for a while after
        // a run (ours for 0.2 ms); on a machine with as many cores as threads that steals the cores
        // from whichever engine runs next (ours timed right after ORT: 155 ms, alone: 124 ms at
        // 8 x 128), so each engine is timed in its own steady state, as when it runs alone, while
        // alternation still spreads the machine's noise over all of them.
        List<Engine> engines = new ArrayList<>();
        engines.add(new Engine(() -> encoder.embed(ids), new double[repetitions]));
        if (baseline != null) {
            engines.add(new Engine(() -> baseline.embed(ids), new double[repetitions]));
        }
        if (ort != null) {
            engines.add(new Engine(() -> ort.hiddenStates(ids), new double[repetitions]));
        }
        int round = 0;
        for (int done = 0; done < repetitions; round++) {
            int block = Math.min(BLOCK, repetitions - done);
            for (int e = 0; e < engines.size(); e++) {
                Engine engine = engines.get((round + e) % engines.size());
                if (engines.size() > 1) {
                    engine.run.run();
                }
                for (int i = 0; i < block; i++) {
                    long t0 = System.nanoTime();
                    engine.run.run();
                    engine.ms[done + i] = (System.nanoTime() - t0) / 1e6;
                }
            }
            done += block;
        }
        double[] ours = engines.get(0).ms;
        double[] base = baseline == null ? null : engines.get(1).ms;
        double[] theirs = ort == null ? null : engines.get(engines.size() - 1).ms;
        double ms = median(ours);
        double ortMs = ort == null ? Double.NaN : median(theirs);
        double baseMs = baseline == null ? Double.NaN : median(base);
        long ffnFlops = encoder.layers().get(0).feedForward().flopsPerToken();
        double flops = flops(encoder.config(), ffnFlops, batch, seq);
        double denseFlops = flops(encoder.config(), 4L * encoder.config().hidden() * encoder.config().intermediate(), batch, seq);
        return new Result(batch, seq, threads, ms, ortMs, ortMs / ms, batch * 1000.0 / ms, batch * 1000.0 / ortMs,
                flops / ms / 1e6, denseFlops / ortMs / 1e6, peakRssMb(), baseMs, baseMs / ms);
    }

    private interface Timed {
        void run() throws Exception;
    }

    private record Engine(Timed run, double[] ms) {
    }

    /** Peak resident memory of this process (VmHWM): the JVM heap, our weights and ONNX Runtime's together. */
    public static long peakRssMb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }

    public static List<Integer> parseList(String csv, String flag) {
        List<Integer> out = new ArrayList<>();
        for (String s : csv.split(",")) {
            try {
                int v = Integer.parseInt(s.trim());
                if (v < 1) {
                    throw new NumberFormatException();
                }
                out.add(v);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(flag + " takes positive integers separated by commas, got '" + csv + "'");
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException(flag + " takes positive integers separated by commas, got '" + csv + "'");
        }
        return out;
    }

    static void setThreads(int threads) {
        Parallel.setThreads(threads);
    }
}
