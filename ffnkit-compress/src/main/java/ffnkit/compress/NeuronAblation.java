package ffnkit.compress;

import ffnkit.model.DenseFeedForward;
import ffnkit.model.DenseLinear;

import java.util.Arrays;
import java.util.Random;

/**
 * Removing neurons, as in FFSplit's Figure 2: neuron j's output is act(x·U_j + b1_j)·V_j, so
 * zeroing row V_j removes it exactly.
 */
public final class NeuronAblation {

    /** Which neurons to remove: the highest scores, the lowest, or a seeded random choice. */
    public enum Removed {
        HEAVY, LIGHT, RANDOM;

        public String key() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private NeuronAblation() {
    }

    /** Indices (ascending) of round(fraction·m) neurons chosen as {@code removed} says. */
    public static int[] select(Removed removed, double[] scores, double fraction, Random random) {
        int m = scores.length;
        int k = HeavyHitters.count(fraction, m);
        int[] chosen = switch (removed) {
            case HEAVY -> Arrays.copyOf(HeavyHitters.ranking(scores), k);
            case LIGHT -> {
                int[] rank = HeavyHitters.ranking(scores);
                yield Arrays.copyOfRange(rank, m - k, m);
            }
            case RANDOM -> {
                int[] perm = new int[m];
                for (int i = 0; i < m; i++) {
                    perm[i] = i;
                }
                for (int i = m - 1; i > 0; i--) {
                    int j = random.nextInt(i + 1);
                    int t = perm[i];
                    perm[i] = perm[j];
                    perm[j] = t;
                }
                yield Arrays.copyOf(perm, k);
            }
        };
        Arrays.sort(chosen);
        return chosen;
    }

    /** The same FFN with the given neurons' down-projection rows set to zero. */
    public static DenseFeedForward zeroed(DenseFeedForward ffn, int[] neurons) {
        int m = ffn.width();
        int d = ffn.outputDim();
        float[] v = ffn.down().weight().toRowMajor();
        for (int j : neurons) {
            Arrays.fill(v, j * d, (j + 1) * d, 0f);
        }
        return new DenseFeedForward(ffn.up(), ffn.activation(), new DenseLinear(v, m, d, ffn.down().bias()));
    }
}
