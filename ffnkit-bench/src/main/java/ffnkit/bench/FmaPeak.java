package ffnkit.bench;

import ffnkit.kernels.Parallel;
import ffnkit.kernels.Simd;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The machine's fp32 FMA peak as the Vector API can reach it: independent FMA chains with no
 * memory traffic. 12 chains cover latency x throughput (4 cycles x 2 pipes = 8 needed) with
 * margin; this is the ceiling GEMM efficiency is stated against. One op = {@link #flops()} flops.
 */
@State(Scope.Benchmark)
public class FmaPeak {

    private static final VectorSpecies<Float> S = Simd.FLOAT;
    static final int ITERATIONS = 1 << 20;
    static final int CHAINS = 12;

    @Param({"1", "2"})
    public int threads;

    private final float[] sink = new float[64];

    @Setup
    public void setup() {
        Parallel.setThreads(threads);
    }

    /** Flops per benchmark op: every thread runs the full loop. */
    static long flops(int threads) {
        return 2L * ITERATIONS * CHAINS * S.length() * threads;
    }

    @Benchmark
    public float fma() {
        Parallel.shared().forEach(threads, t -> sink[t] = loop(1.0f + t * 1e-3f));
        return sink[0] + sink[1];
    }

    private static float loop(float seed) {
        FloatVector m = FloatVector.broadcast(S, 0.999999f);
        FloatVector add = FloatVector.broadcast(S, 1e-6f);
        FloatVector a0 = FloatVector.broadcast(S, seed), a1 = a0.add(1f), a2 = a0.add(2f), a3 = a0.add(3f);
        FloatVector a4 = a0.add(4f), a5 = a0.add(5f), a6 = a0.add(6f), a7 = a0.add(7f);
        FloatVector a8 = a0.add(8f), a9 = a0.add(9f), a10 = a0.add(10f), a11 = a0.add(11f);
        for (int i = 0; i < ITERATIONS; i++) {
            a0 = a0.fma(m, add);
            a1 = a1.fma(m, add);
            a2 = a2.fma(m, add);
            a3 = a3.fma(m, add);
            a4 = a4.fma(m, add);
            a5 = a5.fma(m, add);
            a6 = a6.fma(m, add);
            a7 = a7.fma(m, add);
            a8 = a8.fma(m, add);
            a9 = a9.fma(m, add);
            a10 = a10.fma(m, add);
            a11 = a11.fma(m, add);
        }
        return a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7).add(a8).add(a9).add(a10).add(a11)
                .lane(0);
    }
}
