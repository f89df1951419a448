package ffnkit.lookup;

import ffnkit.model.DenseFeedForward;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertTrue;

class LookupConverterTest {

    /**
     * A random GELU FFN (32 -> 128 -> 32) on Gaussian inputs, converted to 32 tables of 16
     * buckets from 8192 calibration rows (10% held out). Bounds: the closed-form fit alone beats
     * predicting the mean output on held-out rows; distillation improves the held-out error
     * further; the final held-out relative error is below 0.6.
     */
    @Test
    void convertsARandomDenseFfn() {
        int d = 32;
        DenseFeedForward dense = LookupLayerBench.randomDense(d, 128, new SplittableRandom(21));
        int rows = 8192;
        float[] x = LookupKernelTest.randomInputs(rows, d, 22);
        for (LookupShape.ProjectionKind kind : LookupShape.ProjectionKind.values()) {
            LookupConvertOptions opts = new LookupConvertOptions(32, 4, kind, 8, 0.1, 3, 1.0, 10, 128, 2e-3f, 23,
                    null, false);
            LookupConverter.Report r = LookupConverter.convertWithReport(dense, x, rows, opts);
            System.out.printf("convert %s: held-out rel. error mean-baseline %.3f, after fit %.3f, after distillation"
                            + " %.3f (train %.3f); loss %s%n", kind, r.heldOutMeanBaseline(), r.heldOutAfterFit(),
                    r.heldOutFinal(), r.trainFinal(), r.lossHistory());
            assertTrue(r.heldOutAfterFit() < r.heldOutMeanBaseline(), kind + ": " + r);
            assertTrue(r.heldOutFinal() < r.heldOutAfterFit(), kind + ": " + r);
            assertTrue(r.heldOutFinal() < 0.6, kind + ": " + r);
        }
    }

    @Test
    void backfittingNeverRaisesTheTrainingError() {
        int d = 16;
        DenseFeedForward dense = LookupLayerBench.randomDense(d, 64, new SplittableRandom(31));
        int rows = 2000;
        float[] x = LookupKernelTest.randomInputs(rows, d, 32);
        float[] y = new float[rows * d];
        dense.forward(x, rows, y);
        LookupFeedForward layer = LookupConverter.centreProjection(
                LookupFeedForward.random(LookupShape.bh4(d, d, 8, 4), 33, 0f), x, rows);
        double previous = Double.MAX_VALUE;
        for (int passes = 1; passes <= 4; passes++) {
            double e = LookupConverter.relativeError(LookupConverter.fitTables(layer, x, y, rows, passes, 1e-6), x, y,
                    rows);
            assertTrue(e <= previous + 1e-6, passes + " passes: " + e + " > " + previous);
            previous = e;
        }
        assertTrue(previous < 0.9, "training error " + previous);
    }
}
