package ffnkit.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.junit.jupiter.api.Test;

class SimdTest {

    private static final VectorSpecies<Float> S = Simd.FLOAT;

    /** The butterfly order by hand: pairs (i, i ^ L/2), then (i, i ^ L/4), ..., lane 0 at the end. */
    private static float butterflyByHand(float[] lanes) {
        float[] v = lanes.clone();
        for (int step = v.length / 2; step >= 1; step /= 2) {
            float[] next = new float[v.length];
            for (int i = 0; i < v.length; i++) {
                next[i] = v[i] + v[i ^ step];
            }
            v = next;
        }
        return v[0];
    }

    @Test
    void sumAddsTheLanesInOneFixedOrder() {
        Random random = new Random(3);
        float[] lanes = new float[S.length()];
        for (int trial = 0; trial < 1000; trial++) {
            for (int i = 0; i < lanes.length; i++) {
                // Mixed magnitudes, so a different order would round differently.
                lanes[i] = (float) (random.nextGaussian() * Math.pow(10, random.nextInt(8) - 4));
            }
            float expected = butterflyByHand(lanes);
            assertEquals(Float.floatToIntBits(expected), Float.floatToIntBits(Simd.sum(FloatVector.fromArray(S, lanes, 0))),
                    "trial " + trial);
        }
    }

    @Test
    void sumOfSmallIntegersIsExact() {
        float[] lanes = new float[S.length()];
        for (int i = 0; i < lanes.length; i++) {
            lanes[i] = i + 1;
        }
        assertEquals(lanes.length * (lanes.length + 1) / 2f, Simd.sum(FloatVector.fromArray(S, lanes, 0)));
    }
}
