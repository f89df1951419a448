package ffnkit.bench;

import ffnkit.kernels.Parallel;
import ffnkit.model.BertConfig;
import ffnkit.model.BertWeights;
import ffnkit.model.RandomWeights;
import ffnkit.model.Encoder;
import ffnkit.model.Pooling;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.util.Random;

/**
 * The whole encoder at all-MiniLM-L6-v2's shape (d 384, FFN 1536, 12 heads, 6 layers) with random
 * weights: speed does not depend on the values, and no model file is needed. One op = one batch.
 */
@State(Scope.Benchmark)
public class EncoderBench {

    @Param({"8"})
    public int batch;

    @Param({"128"})
    public int seq;

    @Param({"2"})
    public int threads;

    private Encoder encoder;
    private int[][] ids;

    @Setup
    public void setup() {
        Parallel.setThreads(threads);
        encoder = Encoder.of(miniLm(new Random(7)));
        Random rnd = new Random(11);
        ids = new int[batch][seq];
        for (int[] row : ids) {
            for (int t = 0; t < seq; t++) {
                row[t] = rnd.nextInt(30522);
            }
        }
    }

    @Benchmark
    public float[][] embed() {
        return encoder.embed(ids);
    }

    /** Flops of one batch: the GEMMs (2·d·(3d + d + 2m) per token) plus attention's 4·seq·d per token. */
    static long flops(int batch, int seq) {
        long d = 384, m = 1536, tokens = (long) batch * seq;
        return 6 * (tokens * 2 * d * (4 * d + 2 * m) + tokens * 4L * seq * d);
    }

    static BertWeights miniLm(Random rnd) {
        int d = 384, m = 1536, vocab = 30522, positions = 512;
        BertConfig config = new BertConfig(vocab, d, 6, 12, m, positions, 2, 1e-12f, Pooling.MEAN, true, 256);
        return RandomWeights.fanInScaled(config, rnd);
    }
}
