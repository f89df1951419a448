package ffnkit.io;

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
        return new BertConfig(vocab, d, layers, heads, m, positions, 2, 1e-12f, Pooling.MEAN, true, positions);
    }

    static BertWeights random(BertConfig c, long seed) {
        Random r = new Random(seed);
        int d = c.hidden();
        int m = c.intermediate();
        List<BertWeights.Layer> layers = new ArrayList<>();
        for (int i = 0; i < c.layers(); i++) {
            layers.add(new BertWeights.Layer(
                    values(r, d * d, 0.3f), values(r, d, 0.1f),
                    values(r, d * d, 0.3f), values(r, d, 0.1f),
                    values(r, d * d, 0.3f), values(r, d, 0.1f),
                    values(r, d * d, 0.3f), values(r, d, 0.1f),
                    norm(r, d, c.layerNormEps()),
                    values(r, d * m, 0.3f), values(r, m, 0.1f),
                    values(r, m * d, 0.3f), values(r, d, 0.1f),
                    norm(r, d, c.layerNormEps())));
        }
        return new BertWeights(c, values(r, c.vocabSize() * d, 1f), values(r, c.maxPositions() * d, 0.5f),
                values(r, c.typeVocabSize() * d, 0.5f), norm(r, d, c.layerNormEps()), layers).validate();
    }

    static LayerNorm norm(Random r, int d, float eps) {
        float[] gamma = new float[d];
        float[] beta = new float[d];
        for (int i = 0; i < d; i++) {
            gamma[i] = 1f + 0.2f * (float) r.nextGaussian();
            beta[i] = 0.1f * (float) r.nextGaussian();
        }
        return new LayerNorm(gamma, beta, eps);
    }

    static float[] values(Random r, int n, float scale) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = scale * (float) r.nextGaussian();
        }
        return v;
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
