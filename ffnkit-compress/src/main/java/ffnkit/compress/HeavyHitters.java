package ffnkit.compress;

import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Set;
import java.util.stream.IntStream;

/**
 * Heavy-hitter selection (FFSplit section 4.1): the few neurons with the largest importance
 * scores, and how much of the FFN's output energy they carry.
 */
public final class HeavyHitters {

    private HeavyHitters() {
    }

    /** Neuron indices by descending score; ties by index, so the order is deterministic. */
    public static int[] ranking(double[] scores) {
        return IntStream.range(0, scores.length).boxed()
                .sorted(Comparator.<Integer>comparingDouble(j -> -scores[j]).thenComparingInt(j -> j))
                .mapToInt(Integer::intValue).toArray();
    }

    /** Number of neurons a fraction of the width keeps: round(fraction·m), at least 1 for a positive fraction. */
    public static int count(double fraction, int width) {
        if (fraction < 0 || fraction > 1) {
            throw new IllegalArgumentException("heavy fraction must be between 0 and 1, got " + fraction);
        }
        return fraction == 0 ? 0 : Math.max(1, (int) Math.round(fraction * width));
    }

    /** The top fraction of neurons by score, in ascending index order. */
    public static int[] heavySet(double[] scores, double fraction) {
        int[] top = Arrays.copyOf(ranking(scores), count(fraction, scores.length));
        Arrays.sort(top);
        return top;
    }

    /**
     * Share of total output energy carried by the top fraction: energy_j = score_j² (for output-norm
     * scores, the squared Frobenius norm of neuron j's rank-1 term over the calibration tokens).
     */
    public static double topShare(double[] scores, double fraction) {
        int[] rank = ranking(scores);
        int k = count(fraction, scores.length);
        double top = 0;
        double total = 0;
        for (int i = 0; i < rank.length; i++) {
            double e = scores[rank[i]] * scores[rank[i]];
            total += e;
            if (i < k) {
                top += e;
            }
        }
        return total == 0 ? 0 : top / total;
    }

    /** |A ∩ B| / |A ∪ B|. */
    public static double jaccard(int[] a, int[] b) {
        Set<Integer> sa = new HashSet<>();
        for (int x : a) {
            sa.add(x);
        }
        int inter = 0;
        Set<Integer> union = new HashSet<>(sa);
        for (int x : b) {
            if (sa.contains(x)) {
                inter++;
            }
            union.add(x);
        }
        return union.isEmpty() ? 1 : (double) inter / union.size();
    }

    /** The complement of a sorted index set within [0, width), ascending. */
    public static int[] complement(int[] sortedSet, int width) {
        boolean[] in = new boolean[width];
        for (int j : sortedSet) {
            in[j] = true;
        }
        return IntStream.range(0, width).filter(j -> !in[j]).toArray();
    }
}
