package ffnkit.bench;

import ffnkit.kernels.Activation;
import ffnkit.kernels.Gemm;
import ffnkit.kernels.PackedMatrix;
import ffnkit.kernels.Parallel;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.util.Random;

/**
 * Gemm.matmul at all-MiniLM-L6-v2's shapes, with the epilogue each one has in the encoder
 * (QKV: bias; out-proj: bias + residual; FFN up: bias + GELU; FFN down: bias + residual).
 * Shape "KxN"; one op = 2·M·K·N flops.
 */
@State(Scope.Benchmark)
public class GemmBench {

    @Param({"1", "8", "1024", "8192"})
    public int m;

    @Param({"384x1152", "384x384", "384x1536", "1536x384"})
    public String shape;

    @Param({"1", "2"})
    public int threads;

    private float[] a;
    private float[] c;
    private float[] bias;
    private float[] residual;
    private PackedMatrix b;
    private Activation act;

    @Setup
    public void setup() {
        Parallel.setThreads(threads);
        int k = k(shape);
        int n = n(shape);
        Random rnd = new Random(42);
        a = random(rnd, m * k);
        b = PackedMatrix.pack(random(rnd, k * n), k, n);
        bias = random(rnd, n);
        c = new float[m * n];
        act = shape.equals("384x1536") ? Activation.GELU : Activation.NONE;
        residual = n == 384 ? random(rnd, m * n) : null;
    }

    @Benchmark
    public float[] matmul() {
        Gemm.matmul(a, m, b, bias, act, residual, c);
        return c;
    }

    static int k(String shape) {
        return Integer.parseInt(shape.substring(0, shape.indexOf('x')));
    }

    static int n(String shape) {
        return Integer.parseInt(shape.substring(shape.indexOf('x') + 1));
    }

    static float[] random(Random rnd, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = rnd.nextFloat() * 2 - 1;
        }
        return x;
    }
}
