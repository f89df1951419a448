package ffnkit.compress;

import ffnkit.kernels.MathFunctions;
import ffnkit.model.DenseFeedForward;
import ffnkit.model.Encoder;
import ffnkit.model.RandomWeights;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The streamed statistics against a brute-force computation over stored activations. */
class CalibratorTest {

    @Test
    void streamedStatisticsEqualBruteForceOnASmallRandomModel(@TempDir Path dir) throws Exception {
        Encoder encoder = Encoder.of(RandomWeights.of(RandomWeights.config(16, 2, 4, 40, 50, 32), 7));
        Random r = new Random(3);
        List<int[]> ids = new ArrayList<>();
        for (int t = 0; t < 11; t++) {
            int[] seq = new int[2 + r.nextInt(12)];
            for (int i = 0; i < seq.length; i++) {
                seq[i] = r.nextInt(50);
            }
            ids.add(seq);
        }
        // batches of 3 texts, so sums cross batch boundaries and the halves alternate inside batches
        Calibration c = Calibrator.run("random", encoder, ids, new Calibrator.Options(0.1, true, 3), null);

        // brute force: keep every FFN input of every text (one text at a time), then compute directly
        List<List<float[]>> inputs = new ArrayList<>();
        List<List<Integer>> half = new ArrayList<>();
        for (int l = 0; l < 2; l++) {
            inputs.add(new ArrayList<>());
            half.add(new ArrayList<>());
        }
        for (int t = 0; t < ids.size(); t++) {
            int text = t;
            encoder.hiddenStates(new int[][] {ids.get(t)}, (layer, x, rows) -> {
                for (int row = 0; row < rows; row++) {
                    float[] v = new float[16];
                    System.arraycopy(x, row * 16, v, 0, 16);
                    inputs.get(layer).add(v);
                    half.get(layer).add(text % 2);
                }
            });
        }
        for (int l = 0; l < 2; l++) {
            DenseFeedForward f = (DenseFeedForward) encoder.layers().get(l).feedForward();
            float[] u = f.up().weight().toRowMajor();
            float[] b1 = f.up().bias();
            float[] v = f.down().weight().toRowMajor();
            int n = inputs.get(l).size();
            double[] sumSq = new double[40];
            double[][] halves = new double[2][40];
            long[] above = new long[40];
            double[] maxAbs = new double[40];
            double[] gram = new double[16 * 16];
            double[] hGram = new double[40 * 40];
            for (int row = 0; row < n; row++) {
                float[] x = inputs.get(l).get(row);
                double[] h = new double[40];
                for (int j = 0; j < 40; j++) {
                    double s = b1[j];
                    for (int i = 0; i < 16; i++) {
                        s += (double) x[i] * u[i * 40 + j];
                    }
                    h[j] = MathFunctions.gelu((float) s);
                    sumSq[j] += h[j] * h[j];
                    halves[half.get(l).get(row)][j] += h[j] * h[j];
                    above[j] += Math.abs(h[j]) > 0.1 ? 1 : 0;
                    maxAbs[j] = Math.max(maxAbs[j], Math.abs(h[j]));
                }
                for (int i = 0; i < 16; i++) {
                    for (int k = 0; k < 16; k++) {
                        gram[i * 16 + k] += (double) x[i] * x[k];
                    }
                }
                for (int i = 0; i < 40; i++) {
                    for (int k = 0; k < 40; k++) {
                        hGram[i * 40 + k] += h[i] * h[k];
                    }
                }
            }
            LayerStatistics s = c.layer(l);
            assertEquals(n, s.tokens());
            assertClose(sumSq, s.sumSquares(), 1e-4);
            assertClose(halves[0], s.halfSumSquares()[0], 1e-4);
            assertClose(halves[1], s.halfSumSquares()[1], 1e-4);
            assertClose(gram, s.inputGram(), 1e-4);
            assertClose(hGram, s.activationGram(), 1e-4);
            for (int j = 0; j < 40; j++) {
                assertEquals(maxAbs[j], s.maxAbs()[j], 1e-4 * Math.max(1, maxAbs[j]));
                double norm = 0;
                for (int k = 0; k < 16; k++) {
                    norm += (double) v[j * 16 + k] * v[j * 16 + k];
                }
                assertEquals(Math.sqrt(norm), s.downRowNorms()[j], 1e-5);
                // a count can differ only for an activation within rounding of the threshold
                assertTrue(Math.abs(above[j] - s.countAbove()[j]) <= 1, "neuron " + j);
            }
        }
        // saving and reading back keeps every statistic
        Path file = dir.resolve("cal.safetensors");
        CalibrationFile.write(file, c);
        Calibration back = CalibrationFile.read(file);
        assertEquals(c.tokens(), back.tokens());
        for (int l = 0; l < 2; l++) {
            assertArrayEquals(c.layer(l).inputGram(), back.layer(l).inputGram(), 0);
            assertArrayEquals(c.layer(l).activationGram(), back.layer(l).activationGram(), 0);
            assertArrayEquals(c.layer(l).sumSquares(), back.layer(l).sumSquares(), 0);
            assertArrayEquals(c.layer(l).countAbove(), back.layer(l).countAbove());
        }
    }

    @Test
    void heavyHitterHelpersOnHandMadeScores() {
        double[] scores = {1, 4, 2, 0.5, 3};
        assertArrayEquals(new int[] {1, 4, 2, 0, 3}, HeavyHitters.ranking(scores));
        assertArrayEquals(new int[] {1, 4}, HeavyHitters.heavySet(scores, 0.4));
        // energy = score²: top 2 = 16 + 9 = 25 of 1 + 16 + 4 + 0.25 + 9 = 30.25
        assertEquals(25 / 30.25, HeavyHitters.topShare(scores, 0.4), 1e-12);
        assertEquals(1.0 / 3, HeavyHitters.jaccard(new int[] {1, 2}, new int[] {2, 3}), 1e-12);
        assertArrayEquals(new int[] {0, 2, 3}, HeavyHitters.complement(new int[] {1, 4}, 5));
    }

    private static void assertClose(double[] expected, double[] actual, double rel) {
        assertEquals(expected.length, actual.length);
        double scale = 0;
        for (double e : expected) {
            scale = Math.max(scale, Math.abs(e));
        }
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], rel * Math.max(1, scale), "entry " + i);
        }
    }
}
