package ffnkit.eval.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.Comparator;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class ExactSearchTest {

    @Test
    void ranksByScoreThenByCorpusOrder() {
        // query (1, 0); documents' scores: d0 0.5, d1 0.9, d2 0.5, d3 0.9, d4 0.1
        // rank: d1 (0.9, first of the tie), d3 (0.9), d0 (0.5), d2 (0.5), d4
        float[][] q = {{1, 0}};
        float[][] c = {{0.5f, 1}, {0.9f, 0}, {0.5f, -1}, {0.9f, 3}, {0.1f, 0}};
        var hits = ExactSearch.search(q, c, 10);
        assertArrayEquals(new int[] {1, 3, 0, 2, 4}, hits.indices()[0]);
        assertArrayEquals(new float[] {0.9f, 0.9f, 0.5f, 0.5f, 0.1f}, hits.scores()[0]);
        // k = 3 cuts inside the 0.5 tie: the earlier document d0 is kept, d2 is not
        assertArrayEquals(new int[] {1, 3, 0}, ExactSearch.search(q, c, 3).indices()[0]);
    }

    @Test
    void manyExactTiesKeepTheEarliestDocuments() {
        float[][] c = new float[50][];
        Arrays.setAll(c, i -> new float[] {1, 1, 1});
        var hits = ExactSearch.search(new float[][] {{1, 2, 3}}, c, 7);
        assertArrayEquals(IntStream.range(0, 7).toArray(), hits.indices()[0]);
    }

    @Test
    void matchesAFullSortOnRandomData() {
        // small integer components make every dot product exact in float whatever the summation
        // order, so the only possible difference from the full sort is the tie rule itself;
        // 37 queries (not a multiple of the block of 4), 19 dimensions (not a multiple of a vector)
        Random r = new Random(7);
        float[][] q = randomInts(r, 37, 19);
        float[][] c = randomInts(r, 500, 19);
        for (int k : new int[] {1, 10, 100, 600}) {
            var hits = ExactSearch.search(q, c, k);
            for (int i = 0; i < q.length; i++) {
                float[] s = new float[c.length];
                for (int d = 0; d < c.length; d++) {
                    for (int x = 0; x < 19; x++) {
                        s[d] += q[i][x] * c[d][x];
                    }
                }
                int[] expected = IntStream.range(0, c.length).boxed()
                        .sorted(Comparator.<Integer>comparingDouble(d -> -s[d]).thenComparingInt(d -> d))
                        .limit(k).mapToInt(Integer::intValue).toArray();
                assertArrayEquals(expected, hits.indices()[i], "query " + i + ", k " + k);
            }
        }
    }

    @Test
    void aScoreDoesNotDependOnTheQueryBlock() {
        // real-valued data: query 4 searched inside a full block of four and alone (a short block)
        Random r = new Random(11);
        float[][] q = new float[5][67];
        float[][] c = new float[40][67];
        for (float[][] m : new float[][][] {q, c}) {
            for (float[] row : m) {
                for (int i = 0; i < row.length; i++) {
                    row[i] = (float) r.nextGaussian();
                }
            }
        }
        var together = ExactSearch.search(new float[][] {q[1], q[2], q[3], q[4]}, c, 40);
        var alone = ExactSearch.search(new float[][] {q[4]}, c, 40);
        assertArrayEquals(alone.scores()[0], together.scores()[3]);
        assertArrayEquals(alone.indices()[0], together.indices()[3]);
    }

    @Test
    void rejectsMismatchedDimensionsAndNaN() {
        assertThrows(IllegalArgumentException.class,
                () -> ExactSearch.search(new float[][] {{1, 0}}, new float[][] {{1, 0, 0}}, 1));
        assertThrows(IllegalArgumentException.class,
                () -> ExactSearch.search(new float[][] {{1, 0}}, new float[][] {{Float.NaN, 0}}, 1));
        assertEquals(0, ExactSearch.search(new float[][] {{1, 0}}, new float[0][], 5).indices()[0].length);
    }

    private static float[][] randomInts(Random r, int rows, int dim) {
        float[][] m = new float[rows][dim];
        for (float[] row : m) {
            for (int i = 0; i < dim; i++) {
                row[i] = r.nextInt(5) - 2;
            }
        }
        return m;
    }
}
