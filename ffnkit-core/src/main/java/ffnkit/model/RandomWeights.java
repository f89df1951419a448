package ffnkit.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Seeded random encoders of any shape, for tests and benchmarks that need no real model. */
public final class RandomWeights {

    private RandomWeights() {
    }

    public static BertConfig config(int d, int layers, int heads, int m, int vocab, int positions) {
        return new BertConfig(vocab, d, layers, heads, m, positions, 2, 1e-12f, Pooling.MEAN, true, positions);
    }

    public static BertWeights of(BertConfig c, long seed) {
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

    public static LayerNorm norm(Random r, int d, float eps) {
        float[] gamma = new float[d];
        float[] beta = new float[d];
        for (int i = 0; i < d; i++) {
            gamma[i] = 1f + 0.2f * (float) r.nextGaussian();
            beta[i] = 0.1f * (float) r.nextGaussian();
        }
        return new LayerNorm(gamma, beta, eps);
    }

    public static float[] values(Random r, int n, float scale) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = scale * (float) r.nextGaussian();
        }
        return v;
    }

    /**
     * Weights scaled like a trained model's (uniform, variance ~ 1/fan-in, LayerNorm gains near 1), so
     * activations stay O(1) through every layer: what kernel tests and benchmarks of whole encoders need.
     */
    public static BertWeights fanInScaled(BertConfig c, Random rnd) {
        int d = c.hidden();
        int m = c.intermediate();
        List<BertWeights.Layer> layers = new ArrayList<>();
        for (int l = 0; l < c.layers(); l++) {
            layers.add(new BertWeights.Layer(
                    uniform(rnd, d * d, d), uniform(rnd, d, 1), uniform(rnd, d * d, d), uniform(rnd, d, 1),
                    uniform(rnd, d * d, d), uniform(rnd, d, 1), uniform(rnd, d * d, d), uniform(rnd, d, 1), gains(rnd, d),
                    uniform(rnd, d * m, d), uniform(rnd, m, 1), uniform(rnd, m * d, m), uniform(rnd, d, 1), gains(rnd, d)));
        }
        return new BertWeights(c, uniform(rnd, c.vocabSize() * d, 1), uniform(rnd, c.maxPositions() * d, 1),
                uniform(rnd, c.typeVocabSize() * d, 1), gains(rnd, d), layers);
    }

    private static float[] uniform(Random rnd, int n, int fanIn) {
        float s = (float) Math.sqrt(3.0 / fanIn);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (rnd.nextFloat() * 2 - 1) * s;
        }
        return x;
    }

    private static LayerNorm gains(Random rnd, int d) {
        float[] g = new float[d];
        float[] b = new float[d];
        for (int i = 0; i < d; i++) {
            g[i] = 0.8f + 0.4f * rnd.nextFloat();
            b[i] = 0.2f * (rnd.nextFloat() - 0.5f);
        }
        return new LayerNorm(g, b, 1e-12f);
    }
}
