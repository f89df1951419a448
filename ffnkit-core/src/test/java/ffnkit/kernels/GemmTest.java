package ffnkit.kernels;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;

class GemmTest {

    private static final int DEFAULT_THREADS = Parallel.shared().threads();

    @AfterAll
    static void restoreThreads() {
        Parallel.setThreads(DEFAULT_THREADS);
    }

    static Stream<Arguments> shapes() {
        int[] ms = {1, 2, 3, 7, 8, 33, 100};
        int[] ks = {1, 5, 17, 383, 385};
        int[] ns = {1, 5, 17, 383, 385};
        List<Arguments> out = new ArrayList<>();
        int i = 0;
        for (int m : ms) {
            for (int k : ks) {
                for (int n : ns) {
                    // All combinations with one thread is slow; cycle epilogue variants and thread counts.
                    out.add(Arguments.of(m, k, n, i % 2 == 0, i % 3 == 0, i % 4 < 2 ? Activation.GELU : Activation.NONE,
                            1 + i % 2));
                    i++;
                }
            }
        }
        // The model's shapes (and a k > KC with a remainder block), both thread counts.
        for (int threads = 1; threads <= 2; threads++) {
            out.add(Arguments.of(8, 384, 1152, true, false, Activation.NONE, threads));
            out.add(Arguments.of(130, 384, 1536, true, false, Activation.GELU, threads));
            out.add(Arguments.of(97, 1536, 384, true, true, Activation.NONE, threads));
            out.add(Arguments.of(1, 1536, 384, true, true, Activation.NONE, threads));
            out.add(Arguments.of(50, 600, 70, false, true, Activation.GELU, threads));
            // More rows than one sweep (Gemm.SWEEP) and more panels than one B block (Gemm.NC).
            out.add(Arguments.of(Gemm.SWEEP * 2 + 5, 40, Gemm.NC * Gemm.NR * 2 + 3, true, true, Activation.NONE, threads));
            out.add(Arguments.of(100, 422, 384, true, false, Activation.NONE, threads));
            out.add(Arguments.of(100, 1152, 38, false, false, Activation.NONE, threads));
        }
        return out.stream();
    }

    /**
     * Small-integer operands: every product and partial sum is an integer below 2^24, so float
     * arithmetic is exact in any summation order and the kernel must match the reference bit for
     * bit. Any wrong index, missed K block or edge column shows up as an exact mismatch.
     */
    @ParameterizedTest(name = "exact m={0} k={1} n={2} bias={3} residual={4} {5} threads={6}")
    @MethodSource("shapes")
    void exactOnIntegerData(int m, int k, int n, boolean bias, boolean residual, Activation act, int threads) {
        Parallel.setThreads(threads);
        Random rnd = new Random(31L * m + 7L * k + n);
        float[] a = ints(rnd, m * k, 3);
        float[] w = ints(rnd, k * n, 3);
        float[] bi = bias ? ints(rnd, n, 50) : null;
        float[] res = residual ? ints(rnd, m * n, 50) : null;
        float[] expected = new float[m * n];
        // Integer pre-activation is exact; GELU is then compared with the vector erf's tolerance.
        GemmReference.matmul(a, m, k, w, n, bi, act, res, expected);
        float[] c = new float[m * n];
        java.util.Arrays.fill(c, Float.NaN);
        Gemm.matmul(a, m, PackedMatrix.pack(w, k, n), bi, act, res, c);
        if (act == Activation.NONE) {
            assertArrayEquals(expected, c);
        } else {
            for (int i = 0; i < c.length; i++) {
                double pre = preActivation(a, w, bi, m, k, n, i);
                double tol = 2e-7 * (1 + Math.abs(pre)) + Math.ulp(Math.abs(expected[i])) * 2;
                assertEquals(expected[i], c[i], tol, "element " + i);
            }
        }
    }

    /**
     * Random floats: the kernel sums in a different order than the double-precision reference.
     * Standard bound for a float dot product of k terms: |error| <= k·u·Σ|a_p·b_p| (u = 2^-24);
     * blocked summation is typically far better, so the test uses (k/8 + 4)·u·Σ|ab| — a dropped or
     * duplicated term (of size ~Σ|ab|/k) still exceeds it — plus the epilogue's roundings.
     */
    @ParameterizedTest(name = "random m={0} k={1} n={2} bias={3} residual={4} {5} threads={6}")
    @MethodSource("shapes")
    void matchesReferenceOnRandomData(int m, int k, int n, boolean bias, boolean residual, Activation act,
                                      int threads) {
        Parallel.setThreads(threads);
        Random rnd = new Random(1000L + 31L * m + 7L * k + n);
        float[] a = floats(rnd, m * k);
        float[] w = floats(rnd, k * n);
        float[] bi = bias ? floats(rnd, n) : null;
        float[] res = residual ? floats(rnd, m * n) : null;
        float[] expected = new float[m * n];
        GemmReference.matmul(a, m, k, w, n, bi, act, res, expected);
        float[] c = new float[m * n];
        Gemm.matmul(a, m, PackedMatrix.pack(w, k, n), bi, act, res, c);
        double u = Math.ulp(1f) / 2;
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double abs = 0;
                for (int p = 0; p < k; p++) {
                    abs += Math.abs((double) a[i * k + p] * w[p * n + j]);
                }
                double pre = preActivation(a, w, bi, m, k, n, i * n + j);
                // GELU' is at most 1.13; vector erf adds 2e-7·(1+|x|); residual add one rounding.
                double tol = (k / 8.0 + 4) * u * (abs + (bi == null ? 0 : Math.abs(bi[j]))) * 1.13
                        + (act == Activation.GELU ? 2e-7 * (1 + Math.abs(pre)) : 0)
                        + 2 * Math.ulp(Math.abs(expected[i * n + j]));
                if (Math.abs(expected[i * n + j] - c[i * n + j]) > tol) {
                    fail("c[" + i + "," + j + "] = " + c[i * n + j] + ", expected " + expected[i * n + j] + " ± " + tol);
                }
            }
        }
    }

    @Test
    void stridedOperandsLeaveTheRestUntouched() {
        int m = 9, k = 40, n = 35, lda = 50, ldc = 47, aOff = 3, cOff = 5;
        Random rnd = new Random(5);
        float[] aBig = floats(rnd, aOff + m * lda);
        float[] w = floats(rnd, k * n);
        float[] bias = floats(rnd, n);
        float[] resBig = floats(rnd, cOff + m * ldc);
        float[] cBig = new float[cOff + m * ldc];
        java.util.Arrays.fill(cBig, 42f);
        Gemm.matmul(aBig, aOff, lda, m, PackedMatrix.pack(w, k, n), bias, Activation.GELU, resBig, cBig, cOff, ldc);

        float[] a = new float[m * k];
        float[] res = new float[m * n];
        for (int i = 0; i < m; i++) {
            System.arraycopy(aBig, aOff + i * lda, a, i * k, k);
            System.arraycopy(resBig, cOff + i * ldc, res, i * n, n);
        }
        float[] expected = new float[m * n];
        GemmReference.matmul(a, m, k, w, n, bias, Activation.GELU, res, expected);
        for (int i = 0; i < cBig.length; i++) {
            int r = (i - cOff) / ldc;
            int col = (i - cOff) % ldc;
            if (i < cOff || col >= n) {
                assertEquals(42f, cBig[i], "padding at " + i + " was written");
            } else {
                assertEquals(expected[r * n + col], cBig[i], 1e-4, "c[" + r + "," + col + "]");
            }
        }
    }

    /** GELU on the first columns only (the fused FFSplit up-projection): both parts vs the reference. */
    @Test
    void activationOnLeadingColumnsOnly() {
        Random r = new Random(21);
        for (int threads = 1; threads <= 2; threads++) {
            Parallel.setThreads(threads);
            for (int[] shape : new int[][] {{50, 40, 422, 384}, {7, 17, 70, 33}, {130, 384, 45, 32}, {9, 5, 20, 0}, {9, 5, 20, 20}}) {
                int m = shape[0], k = shape[1], n = shape[2], act = shape[3];
                float[] a = new float[m * k];
                float[] b = new float[k * n];
                float[] bias = new float[n];
                for (float[] v : new float[][] {a, b, bias}) {
                    for (int i = 0; i < v.length; i++) {
                        v[i] = (float) r.nextGaussian();
                    }
                }
                float[] gelu = new float[m * n];
                float[] plain = new float[m * n];
                GemmReference.matmul(a, m, k, b, n, bias, Activation.GELU, null, gelu);
                GemmReference.matmul(a, m, k, b, n, bias, Activation.NONE, null, plain);
                float[] got = new float[m * n];
                Gemm.matmul(a, 0, k, m, PackedMatrix.pack(b, k, n), bias, Activation.GELU, act, null, got, 0, n);
                for (int i = 0; i < m; i++) {
                    for (int j = 0; j < n; j++) {
                        float want = j < act ? gelu[i * n + j] : plain[i * n + j];
                        assertEquals(want, got[i * n + j], 1e-4 * Math.max(1, Math.abs(want)),
                                "m=" + m + " k=" + k + " n=" + n + " act columns " + act + " at " + i + "," + j);
                    }
                }
            }
        }
    }

    @Test
    void emptyInnerDimensionGivesEpilogueOnly() {
        float[] bias = {1f, -2f, 3f};
        float[] c = new float[6];
        Gemm.matmul(new float[0], 2, PackedMatrix.pack(new float[0], 0, 3), bias, Activation.NONE, null, c);
        assertArrayEquals(new float[] {1f, -2f, 3f, 1f, -2f, 3f}, c);
    }

    @Test
    void rejectsAliasingAndShortArrays() {
        PackedMatrix b = PackedMatrix.pack(new float[16], 4, 4);
        float[] x = new float[16];
        assertThrows(IllegalArgumentException.class, () -> Gemm.matmul(x, 4, b, null, Activation.NONE, null, x));
        assertThrows(IllegalArgumentException.class,
                () -> Gemm.matmul(new float[15], 4, b, null, Activation.NONE, null, new float[16]));
    }

    @Test
    void packedMatrixRoundTrips() {
        Random rnd = new Random(3);
        for (int[] s : new int[][] {{1, 1}, {5, 17}, {383, 385}, {3, PackedMatrix.NR}, {2, PackedMatrix.NR + 1}}) {
            float[] w = floats(rnd, s[0] * s[1]);
            PackedMatrix p = PackedMatrix.pack(w, s[0], s[1]);
            assertArrayEquals(w, p.toRowMajor());
            for (int r = 0; r < s[0]; r += 3) {
                for (int c = 0; c < s[1]; c += 2) {
                    assertEquals(w[r * s[1] + c], p.get(r, c));
                }
            }
        }
    }

    private static double preActivation(float[] a, float[] w, float[] bias, int m, int k, int n, int idx) {
        int i = idx / n, j = idx % n;
        double s = bias == null ? 0 : bias[j];
        for (int p = 0; p < k; p++) {
            s += (double) a[i * k + p] * w[p * n + j];
        }
        return s;
    }

    static float[] floats(Random rnd, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = rnd.nextFloat() * 2 - 1;
        }
        return x;
    }

    static float[] ints(Random rnd, int n, int bound) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = rnd.nextInt(2 * bound + 1) - bound;
        }
        return x;
    }
}
