package ffnkit.lookup;

import ffnkit.kernels.Parallel;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LookupKernelTest {

    static float[] randomInputs(int rows, int d, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] x = new float[rows * d];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) LookupFeedForward.gaussian(rnd);
        }
        return x;
    }

    /** Largest |kernel - reference| relative to the largest |reference| output. */
    static double relativeMaxError(LookupFeedForward layer, float[] x, int rows, LookupKernel.Tiling tiling) {
        float[] fast = new float[rows * layer.outputDim()];
        new LookupKernel(layer).forward(x, rows, fast, tiling);
        float[] ref = new float[rows * layer.outputDim()];
        new LookupFeedForwardReference(layer).forward(x, rows, ref);
        double err = 0;
        double scale = 0;
        for (int i = 0; i < ref.length; i++) {
            err = Math.max(err, Math.abs(fast[i] - ref[i]));
            scale = Math.max(scale, Math.abs(ref[i]));
        }
        assertTrue(scale > 0, "reference output is all zero: the test would prove nothing");
        return err / scale;
    }

    private static LookupFeedForward layerWithBiases(LookupShape shape, long seed) {
        LookupFeedForward l = LookupFeedForward.random(shape, seed, 1f);
        SplittableRandom rnd = new SplittableRandom(seed + 99);
        float[] pb = new float[shape.codeDim()];
        for (int i = 0; i < pb.length; i++) {
            pb[i] = (float) rnd.nextDouble(-0.5, 0.5);
        }
        float[] b = new float[shape.outputDim()];
        for (int i = 0; i < b.length; i++) {
            b[i] = (float) rnd.nextDouble(-1, 1);
        }
        return new LookupFeedForward(shape, l.projectionWeight(), pb, l.tables(), b);
    }

    @Test
    void kernelEqualsReferenceOnOddSizesBothProjectionsAndTilings() {
        LookupShape[] shapes = {
                new LookupShape(20, 13, 5, 3, LookupShape.ProjectionKind.BH4, 8),
                new LookupShape(20, 13, 5, 3, LookupShape.ProjectionKind.DENSE, 8),
                new LookupShape(7, 1, 3, 5, LookupShape.ProjectionKind.BH4, 64), // block capped at p = 8
                new LookupShape(100, 67, 40, 8, LookupShape.ProjectionKind.BH4, 16), // R = 3, last repeat truncated
                new LookupShape(64, 64, 8, 8, LookupShape.ProjectionKind.BH4, 64),
                new LookupShape(33, 40, 9, 4, LookupShape.ProjectionKind.DENSE, 64),
        };
        LookupKernel.Tiling[] tilings = {new LookupKernel.Tiling(2048, 8), new LookupKernel.Tiling(3, 1),
                new LookupKernel.Tiling(7, 3)};
        for (int threads : new int[] {1, 2}) {
            Parallel.setThreads(threads);
            for (LookupShape shape : shapes) {
                LookupFeedForward layer = layerWithBiases(shape, shape.hashCode());
                LookupFeedForward bf16 = layer.withBf16Tables();
                assertTrue(bf16.tablesAreBf16() && !layer.tablesAreBf16());
                for (int rows : new int[] {1, 2, LookupKernel.SMALL_BATCH, LookupKernel.SMALL_BATCH + 1, 37, 100}) {
                    float[] x = randomInputs(rows, shape.inputDim(), rows * 31L + shape.inputDim());
                    for (LookupKernel.Tiling tiling : tilings) {
                        double e = relativeMaxError(layer, x, rows, tiling);
                        assertTrue(e < 1e-5, shape + " rows " + rows + " " + tiling + ": relative error " + e);
                        // bf16 storage: the reference uses the same rounded tables and the kernel widens
                        // them exactly, so only the summation order differs, as for f32
                        double eb = relativeMaxError(bf16, x, rows, tiling);
                        assertTrue(eb < 1e-5, shape + " bf16 rows " + rows + " " + tiling + ": relative error " + eb);
                    }
                }
            }
        }
    }

    @Test
    void kernelEqualsReferenceAtTheBenchmarkShape() {
        LookupFeedForward layer = layerWithBiases(LookupShape.bh4(512, 512, 128, 8), 5);
        float[] x = randomInputs(300, 512, 6);
        double e = relativeMaxError(layer, x, 300, LookupKernel.defaultTiling);
        assertTrue(e < 1e-5, "relative error " + e);
        float[] y = new float[300 * 512];
        layer.forward(x, 300, y); // the public path
        float[] ref = new float[300 * 512];
        new LookupFeedForwardReference(layer).forward(x, 300, ref);
        assertEquals(ref[12345], y[12345], 1e-4f * Math.abs(ref[12345]) + 1e-5f);
    }

    @Test
    void differentInputsGiveDifferentCodes() {
        // guards against a projection that collapses everything into one bucket
        LookupFeedForward layer = LookupFeedForward.random(LookupShape.bh4(64, 16, 4, 8), 1, 1f);
        int[] codes = new LookupFeedForwardReference(layer).codes(randomInputs(200, 64, 2), 200);
        long distinct = java.util.Arrays.stream(codes).distinct().count();
        assertTrue(distinct > 100, "only " + distinct + " distinct codes");
    }

    @Test
    void bf16RoundingIsToNearestEven() {
        // 1 + 2^-8 is halfway between the bf16 neighbours 1 and 1 + 2^-7: ties go to the even one (1)
        assertEquals(1f, Bf16.round(1f + 0x1p-8f));
        assertEquals(1f + 0x1p-6f, Bf16.round(1f + 0x1p-7f + 0x1p-8f)); // tie, odd lower neighbour: up
        assertEquals(1f + 0x1p-7f, Bf16.round(1f + 0x1p-8f + 0x1p-12f)); // above the tie: up
        assertEquals(-3f, Bf16.round(-3f));
        assertTrue(Float.isNaN(Bf16.round(Float.NaN)));
        assertEquals(Float.POSITIVE_INFINITY, Bf16.round(Float.POSITIVE_INFINITY));
        SplittableRandom rnd = new SplittableRandom(4);
        for (int i = 0; i < 10000; i++) {
            float f = (float) (rnd.nextDouble(-10, 10));
            float r = Bf16.round(f);
            assertTrue(Math.abs(r - f) <= Math.abs(f) * 0x1p-8f, f + " -> " + r); // half a bf16 ulp
            assertEquals(r, Bf16.round(r)); // idempotent: r is bf16
        }
    }
}
