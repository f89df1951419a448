package ffnkit.io;

import ffnkit.model.RandomWeights;

import ffnkit.model.BertConfig;
import ffnkit.model.BertWeights;
import ffnkit.model.LayerNorm;
import ffnkit.model.Pooling;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Small random encoders for format tests: every tensor distinct, so a swapped or transposed tensor shows. */
final class TestModels {

    private TestModels() {
    }

    static BertConfig config(int d, int layers, int heads, int m, int vocab, int positions) {
        return RandomWeights.config(d, layers, heads, m, vocab, positions);
    }

    static BertWeights random(BertConfig c, long seed) {
        return RandomWeights.of(c, seed);
    }

    static LayerNorm norm(Random r, int d, float eps) {
        return RandomWeights.norm(r, d, eps);
    }

    static float[] values(Random r, int n, float scale) {
        return RandomWeights.values(r, n, scale);
    }

    /** A few id sequences of different lengths, starting with a [CLS]-like id. */
    static int[][] ids(int vocab, long seed) {
        Random r = new Random(seed);
        int[][] ids = new int[4][];
        int[] lengths = {1, 3, 7, 12};
        for (int s = 0; s < ids.length; s++) {
            ids[s] = new int[lengths[s]];
            for (int t = 0; t < lengths[s]; t++) {
                ids[s][t] = r.nextInt(vocab);
            }
        }
        return ids;
    }
}
