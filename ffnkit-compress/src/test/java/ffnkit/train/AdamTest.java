package ffnkit.train;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class AdamTest {

    @Test
    void firstStepMovesEachWeightByLearningRateAgainstTheGradientSign() {
        // With bias correction, step 1 gives m̂ = g and v̂ = g², so the update is lr·g/(|g|+eps) ≈ lr·sign(g).
        Parameter p = Parameter.of("w", new float[] {1f, -2f, 0.5f});
        p.grad()[0] = 3f;
        p.grad()[1] = -0.01f;
        p.grad()[2] = 0f;
        new Adam(List.of(p)).step(0.1f);
        assertArrayEquals(new float[] {0.9f, -1.9f, 0.5f}, p.value(), 1e-5f);
    }

    @Test
    void minimisesAQuadratic() {
        Parameter p = Parameter.of("w", new float[] {5f, -3f});
        Adam adam = new Adam(List.of(p));
        for (int i = 0; i < 2000; i++) {
            adam.zeroGrad();
            p.grad()[0] = 2 * (p.value()[0] - 1f);
            p.grad()[1] = 2 * (p.value()[1] + 2f);
            adam.step(0.05f);
        }
        assertEquals(1f, p.value()[0], 1e-3f);
        assertEquals(-2f, p.value()[1], 1e-3f);
    }

    @Test
    void checkpointRestoresValuesMomentsAndProgressSoTrainingResumesIdentically(@TempDir Path dir) throws Exception {
        Parameter a = Parameter.of("w", new float[] {5f, -3f});
        Adam adamA = new Adam(List.of(a));
        Parameter b = Parameter.of("w", new float[] {5f, -3f});
        Adam adamB = new Adam(List.of(b));
        Path file = dir.resolve("ck.bin");
        for (int i = 0; i < 10; i++) {
            quadraticStep(adamA, a);
            quadraticStep(adamB, b);
        }
        Checkpoint.save(file, adamB, 10);
        Parameter c = Parameter.of("w", new float[2]);
        Adam adamC = new Adam(List.of(c));
        assertEquals(10, Checkpoint.load(file, adamC));
        for (int i = 0; i < 10; i++) {
            quadraticStep(adamA, a);
            quadraticStep(adamC, c);
        }
        assertArrayEquals(a.value(), c.value(), 0f);
    }

    private static void quadraticStep(Adam adam, Parameter p) {
        adam.zeroGrad();
        p.grad()[0] = 2 * (p.value()[0] - 1f);
        p.grad()[1] = 2 * (p.value()[1] + 2f);
        adam.step(0.05f);
    }
}
