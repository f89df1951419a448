package ffnkit.eval.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ffnkit.util.Cosines;
import org.junit.jupiter.api.Test;

class FidelityTest {

    @Test
    void threeTexts() {
        // cosines: (1,0)·(1,0) = 1; (1,0)·(0,1) = 0; (3,4)·(4,3) = 24 / (5*5) = 0.96 (unnormalised inputs)
        // mean = 1.96 / 3 = 0.6533333; min = 0 at text 1; n = 3 -> p01 rank ceil(3/100) = 1 -> the minimum
        float[][] a = {{1, 0}, {1, 0}, {3, 4}};
        float[][] b = {{1, 0}, {0, 1}, {4, 3}};
        var s = Fidelity.compare(a, b);
        assertEquals(1.96 / 3, s.meanCosine(), 1e-12);
        assertEquals(0.0, s.minCosine(), 1e-12);
        assertEquals(0.0, s.p01Cosine(), 1e-12);
        assertEquals(1, s.worstIndex());
        assertEquals(3, s.texts());
    }

    @Test
    void firstPercentileIsTheNearestRank() {
        // 300 texts: cosine 1 except text 10 -> 0.5, text 20 -> 0.6, text 30 -> 0.7, text 40 -> 0.8
        // p01 rank = ceil(300/100) = 3 -> the 3rd lowest = 0.7; min 0.5 at index 10
        float[][] a = new float[300][];
        float[][] b = new float[300][];
        for (int t = 0; t < 300; t++) {
            double c = switch (t) {
                case 10 -> 0.5;
                case 20 -> 0.6;
                case 30 -> 0.7;
                case 40 -> 0.8;
                default -> 1.0;
            };
            a[t] = new float[] {1, 0};
            b[t] = new float[] {(float) c, (float) Math.sqrt(1 - c * c)};
        }
        var s = Fidelity.compare(a, b);
        assertEquals(0.7, s.p01Cosine(), 1e-6);
        assertEquals(0.5, s.minCosine(), 1e-6);
        assertEquals(10, s.worstIndex());
        assertEquals((296 + 0.5 + 0.6 + 0.7 + 0.8) / 300, s.meanCosine(), 1e-6);
    }

    @Test
    void zeroVectorsAndBadInput() {
        assertEquals(1.0, Cosines.cosine(new float[2], new float[2]));
        assertEquals(0.0, Cosines.cosine(new float[] {1, 0}, new float[2]));
        assertThrows(IllegalArgumentException.class, () -> Fidelity.compare(new float[1][2], new float[2][2]));
        assertThrows(IllegalArgumentException.class,
                () -> Fidelity.compare(new float[][] {{Float.NaN, 1}}, new float[][] {{1, 1}}));
    }
}
