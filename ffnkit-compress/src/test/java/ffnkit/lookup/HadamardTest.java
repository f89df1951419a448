package ffnkit.lookup;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class HadamardTest {

    /** Sylvester's H_n, entries +-1/sqrt(n): H[i][j] = (-1)^popcount(i & j) / sqrt(n). */
    private static double[][] matrix(int n) {
        double[][] h = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                h[i][j] = (Integer.bitCount(i & j) % 2 == 0 ? 1 : -1) / Math.sqrt(n);
            }
        }
        return h;
    }

    @Test
    void fastTransformEqualsTheMatrixProductAtEverySize() {
        SplittableRandom rnd = new SplittableRandom(1);
        for (int n = 1; n <= 1024; n <<= 1) {
            float[] a = new float[n + 3];
            for (int i = 0; i < a.length; i++) {
                a[i] = (float) rnd.nextDouble(-1, 1);
            }
            double[][] h = matrix(n);
            float[] expected = a.clone();
            for (int i = 0; i < n; i++) {
                double acc = 0;
                for (int j = 0; j < n; j++) {
                    acc += h[i][j] * a[3 + j];
                }
                expected[3 + i] = (float) acc;
            }
            Hadamard.transform(a, 3, n);
            assertArrayEquals(expected, a, 1e-5f, "n=" + n);
        }
    }

    @Test
    void columnTransformIsBitIdenticalToThePerVectorTransform() {
        SplittableRandom rnd = new SplittableRandom(2);
        int width = 2 * LookupKernel.VL;
        for (int n : new int[] {1, 2, 8, 64, 512}) {
            float[] cols = new float[n * width];
            for (int i = 0; i < cols.length; i++) {
                cols[i] = (float) rnd.nextDouble(-3, 3);
            }
            float[][] single = new float[width][n];
            for (int t = 0; t < width; t++) {
                for (int j = 0; j < n; j++) {
                    single[t][j] = cols[j * width + t];
                }
                Hadamard.transform(single[t], 0, n);
            }
            Hadamard.transformColumns(cols, 0, n, width);
            for (int t = 0; t < width; t++) {
                for (int j = 0; j < n; j++) {
                    assertEquals(single[t][j], cols[j * width + t], 0f);
                }
            }
        }
    }

    @Test
    void isItsOwnInverseAndPreservesTheNorm() {
        SplittableRandom rnd = new SplittableRandom(3);
        float[] a = new float[256];
        double norm = 0;
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) rnd.nextDouble(-1, 1);
            norm += a[i] * a[i];
        }
        float[] b = a.clone();
        Hadamard.transform(b, 0, 256);
        double normB = 0;
        for (float v : b) {
            normB += v * v;
        }
        assertEquals(norm, normB, 1e-3 * norm);
        Hadamard.transform(b, 0, 256);
        assertArrayEquals(a, b, 1e-5f);
    }

    @Test
    void blockwiseLevelsAreBitIdenticalToTheColumnTransform() {
        // the kernel's order: levels < b per block, then the levels >= b over all rows, then the scale
        SplittableRandom rnd = new SplittableRandom(3);
        int width = 2 * LookupKernel.VL;
        for (int[] nb : new int[][] {{1, 1}, {2, 1}, {8, 8}, {64, 8}, {64, 16}, {512, 64}, {512, 2}, {256, 32}}) {
            int n = nb[0];
            int b = nb[1];
            float[] a = new float[n * width];
            for (int i = 0; i < a.length; i++) {
                a[i] = (float) rnd.nextDouble(-3, 3);
            }
            float[] expected = a.clone();
            Hadamard.transformColumns(expected, 0, n, width);
            for (int blk = 0; blk < n; blk += b) {
                Hadamard.levelsColumns(a, blk * width, b, width, 1, b);
            }
            Hadamard.levelsColumns(a, 0, n, width, b, n);
            float s = Hadamard.scale(n);
            for (int i = 0; i < a.length; i++) {
                a[i] *= s;
            }
            assertArrayEquals(expected, a, 0f, "n=" + n + " b=" + b);
        }
    }
}
