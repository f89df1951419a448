package ffnkit.model;

/**
 * Splits a batch into contiguous groups of whole sequences with nearly equal token counts, one
 * per thread, for running the encoder data-parallel over sequences.
 *
 * <p>Why: with the kernels split across threads, every layer has seven parallel regions and the
 * threads meet at a barrier after each; with whole sequences per thread they never meet until the
 * end, and each keeps its activations in its own L2. Sequences are independent (attention stays
 * inside a sequence), so the result is the same. It only pays when the groups balance: a thread
 * with more tokens than the others makes them wait at the end.
 */
final class SequenceGroups {

    /** A group may hold at most this much more than an equal share of the tokens. */
    static final double MAX_IMBALANCE = 1.10;
    /** Fewer tokens per thread than this: splitting each kernel is as good and keeps GEMMs tall. */
    static final int MIN_TOKENS_PER_GROUP = 64;

    private SequenceGroups() {
    }

    /**
     * Cut points {0, c1, ..., sequences} of {@code groups} contiguous groups whose token counts are
     * within {@link #MAX_IMBALANCE} of equal, or null when the batch does not split that well
     * (fewer sequences than groups, one long text among short ones, one thread).
     */
    static int[] balanced(int[] lengths, int groups) {
        int n = lengths.length;
        if (groups < 2 || n < groups) {
            return null;
        }
        long total = 0;
        for (int l : lengths) {
            total += l;
        }
        if (total < (long) MIN_TOKENS_PER_GROUP * groups) {
            return null;
        }
        int[] cuts = new int[groups + 1];
        cuts[groups] = n;
        long seen = 0;
        int s = 0;
        for (int g = 1; g < groups; g++) {
            // Close group g-1 at the sequence boundary nearest to g/groups of the tokens, leaving at
            // least one sequence for each group still to come.
            double target = (double) total * g / groups;
            while (s < n - (groups - g) && seen + lengths[s] <= target) {
                seen += lengths[s++];
            }
            if (s < n - (groups - g) && s > cuts[g - 1] && target - seen > seen + lengths[s] - target) {
                seen += lengths[s++];
            } else if (s == cuts[g - 1]) {
                seen += lengths[s++];
            }
            cuts[g] = s;
        }
        double share = (double) total / groups;
        for (int g = 0; g < groups; g++) {
            long tokens = 0;
            for (int i = cuts[g]; i < cuts[g + 1]; i++) {
                tokens += lengths[i];
            }
            if (cuts[g + 1] == cuts[g] || tokens > MAX_IMBALANCE * share) {
                return null;
            }
        }
        return cuts;
    }
}
