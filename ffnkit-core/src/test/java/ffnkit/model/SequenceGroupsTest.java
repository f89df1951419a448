package ffnkit.model;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SequenceGroupsTest {

    @Test
    void equalLengthsSplitEvenly() {
        assertArrayEquals(new int[] {0, 4, 8}, SequenceGroups.balanced(new int[] {128, 128, 128, 128, 128, 128, 128, 128}, 2));
        assertArrayEquals(new int[] {0, 2, 4, 6}, SequenceGroups.balanced(new int[] {70, 70, 70, 70, 70, 70}, 3));
    }

    @Test
    void cutsAtTheBoundaryNearestTheMiddle() {
        // 100 | 60 40 -> 100/100; the nearest boundary to 100 tokens is after the first sequence.
        assertArrayEquals(new int[] {0, 1, 3}, SequenceGroups.balanced(new int[] {100, 60, 40}, 2));
        // 50 55 | 45 50: 105 vs 95, within 10% of the 100-token share.
        assertArrayEquals(new int[] {0, 2, 4}, SequenceGroups.balanced(new int[] {50, 55, 45, 50}, 2));
    }

    @Test
    void refusesBatchesThatDoNotBalance() {
        assertNull(SequenceGroups.balanced(new int[] {256, 10, 10, 10}, 2), "one long text among short ones");
        assertNull(SequenceGroups.balanced(new int[] {128}, 2), "fewer sequences than threads");
        assertNull(SequenceGroups.balanced(new int[] {128, 128}, 1), "one thread");
        assertNull(SequenceGroups.balanced(new int[] {20, 20, 20, 20}, 2), "too few tokens per thread");
    }

    @Test
    void cutsAreAlwaysValidAndBalancedWhenReturned() {
        Random r = new Random(7);
        for (int trial = 0; trial < 2000; trial++) {
            int n = 1 + r.nextInt(40);
            int groups = 2 + r.nextInt(3);
            int[] len = new int[n];
            long total = 0;
            for (int i = 0; i < n; i++) {
                len[i] = 1 + r.nextInt(trial % 2 == 0 ? 256 : 40);
                total += len[i];
            }
            int[] cuts = SequenceGroups.balanced(len, groups);
            if (cuts == null) {
                continue;
            }
            assertEquals(groups + 1, cuts.length);
            assertEquals(0, cuts[0]);
            assertEquals(n, cuts[groups]);
            for (int g = 0; g < groups; g++) {
                assertTrue(cuts[g] < cuts[g + 1], "empty group");
                long tokens = 0;
                for (int i = cuts[g]; i < cuts[g + 1]; i++) {
                    tokens += len[i];
                }
                assertTrue(tokens <= SequenceGroups.MAX_IMBALANCE * total / groups + 1e-9);
            }
        }
    }
}
