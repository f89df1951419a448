package ffnkit.eval.metrics;

import ffnkit.util.Cosines;

import java.util.Arrays;

/**
 * How close a model's embeddings are to a reference model's on the same texts: the cosine of the
 * two embeddings of each text, summarised by mean, 1st percentile and minimum.
 *
 * <p>Percentile rule (nearest rank): sort the n cosines ascending; p01 is the value at 1-based
 * rank ceil(0.01 * n). So with 100 texts p01 is the minimum, with 300 texts the 3rd lowest; at
 * least 1% of the texts are at or below it. Cosines are computed in double precision and do not
 * assume normalised inputs; when one embedding is all zeros the cosine is 0 (1 if both are).
 */
public final class Fidelity {

    /** {@code worstIndex}: the first text whose cosine is the minimum. */
    public record Summary(double meanCosine, double p01Cosine, double minCosine, int worstIndex, int texts) {
    }

    private Fidelity() {
    }

    public static Summary compare(float[][] model, float[][] reference) {
        if (model.length != reference.length) {
            throw new IllegalArgumentException("different numbers of embeddings: " + model.length + " vs " + reference.length);
        }
        if (model.length == 0) {
            throw new IllegalArgumentException("no texts to compare");
        }
        double[] cos = new double[model.length];
        double sum = 0;
        int worst = 0;
        for (int t = 0; t < model.length; t++) {
            cos[t] = Cosines.cosine(model[t], reference[t]);
            if (Double.isNaN(cos[t])) {
                throw new IllegalArgumentException("embedding of text " + t + " contains NaN or infinity");
            }
            sum += cos[t];
            if (cos[t] < cos[worst]) {
                worst = t;
            }
        }
        double[] sorted = cos.clone();
        Arrays.sort(sorted);
        int rank = (sorted.length + 99) / 100; // ceil(n / 100) in integers: no floating-point rounding
        return new Summary(sum / cos.length, sorted[rank - 1], sorted[0], worst, cos.length);
    }
}
