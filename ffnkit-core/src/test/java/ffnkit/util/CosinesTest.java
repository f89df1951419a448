package ffnkit.util;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class CosinesTest {

    @Test
    void handComputedValues() {
        assertEquals(Math.sqrt(0.5), Cosines.cosine(new float[] {1, 0}, new float[] {1, 1}), 1e-15);
        assertEquals(-1, Cosines.cosine(new float[] {2, -3}, new float[] {-4, 6}), 1e-15);
        float[][] a = {{1, 0}, {0, 1}};
        float[][] b = {{1, 1}, {0, 5}};
        assertArrayEquals(new double[] {Math.sqrt(0.5), 1}, Cosines.cosines(a, b), 1e-15);
        assertEquals((Math.sqrt(0.5) + 1) / 2, Cosines.mean(a, b), 1e-15);
    }

    @Test
    void sumsInDoubleNotFloat() {
        // 1e8 + 1 is 1e8 in float: a float sum would call these two different vectors identical (cosine 1)
        float[] a = {1e4f, 1, 0};
        float[] b = {1e4f, 0, 1};
        double exact = 1e8 / (1e8 + 1);
        assertEquals(exact, Cosines.cosine(a, b), 1e-15);
    }

    @Test
    void zeroVectorsAndMismatchedSizes() {
        assertEquals(1, Cosines.cosine(new float[3], new float[3]));
        assertEquals(0, Cosines.cosine(new float[] {1, 0}, new float[2]));
        assertThrows(IllegalArgumentException.class, () -> Cosines.cosine(new float[2], new float[3]));
        assertThrows(IllegalArgumentException.class, () -> Cosines.mean(new float[1][2], new float[2][2]));
        assertThrows(IllegalArgumentException.class, () -> Cosines.mean(new float[0][2], new float[0][2]));
    }
}
