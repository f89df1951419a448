package ffnkit.compress;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Per-layer view of the heavy-hitter observation: how concentrated the output energy is and
 * whether the heavy set is a property of the model (the same on two disjoint halves of the
 * calibration text) or of the text.
 */
public final class HeavyHitterReport {

    public static final double[] SHARE_FRACTIONS = {0.01, 0.03, 0.10, 0.25};

    /**
     * @param topShare     fraction of output energy (Σ score²) in the top 1/3/10/25% neurons, keyed "0.01"...
     * @param jaccardTop3  overlap of the top-3% sets from the two halves of the calibration texts
     * @param jaccardTop25 the same for the top-25% sets
     * @param sortedScores importance scores, descending (for the plots)
     */
    public record Layer(int layer, Map<String, Double> topShare, double jaccardTop3, double jaccardTop25,
                        double[] sortedScores, double meanFiringRate) {
    }

    private HeavyHitterReport() {
    }

    public static List<Layer> of(Calibration calibration, Importance importance) {
        List<Layer> out = new ArrayList<>();
        for (int l = 0; l < calibration.layers().size(); l++) {
            LayerStatistics s = calibration.layer(l);
            double[] output = s.outputNormScores();
            Map<String, Double> shares = new LinkedHashMap<>();
            for (double f : SHARE_FRACTIONS) {
                shares.put(key(f), HeavyHitters.topShare(output, f));
            }
            double[] scores = importance.scores(s);
            double[] a = halfScores(s, 0, importance);
            double[] b = halfScores(s, 1, importance);
            double[] sorted = new double[scores.length];
            int[] rank = HeavyHitters.ranking(scores);
            for (int i = 0; i < rank.length; i++) {
                sorted[i] = scores[rank[i]];
            }
            double firing = 0;
            for (long c : s.countAbove()) {
                firing += (double) c / Math.max(1, s.tokens());
            }
            out.add(new Layer(l, shares,
                    HeavyHitters.jaccard(HeavyHitters.heavySet(a, 0.03), HeavyHitters.heavySet(b, 0.03)),
                    HeavyHitters.jaccard(HeavyHitters.heavySet(a, 0.25), HeavyHitters.heavySet(b, 0.25)),
                    sorted, firing / s.width()));
        }
        return out;
    }

    private static double[] halfScores(LayerStatistics s, int half, Importance importance) {
        double[] out = new double[s.width()];
        for (int j = 0; j < s.width(); j++) {
            double norm = Math.sqrt(s.halfSumSquares()[half][j]);
            out[j] = importance == Importance.OUTPUT_NORM ? norm * s.downRowNorms()[j] : norm;
        }
        return out;
    }

    /** "0.01", "0.03", "0.1", "0.25": the JSON keys of the issue. */
    public static String key(double fraction) {
        return Double.toString(fraction);
    }
}
