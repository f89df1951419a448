package ffnkit.model;

import ffnkit.kernels.Activation;
import ffnkit.kernels.GemmReference;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

public class SlotsTest {

    static float[] random(Random r, int n, float scale) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = scale * (float) r.nextGaussian();
        }
        return v;
    }

    static void assertClose(float[] want, float[] got, double tol, String what) {
        assertEquals(want.length, got.length, what);
        double maxAbs = 0;
        for (float w : want) {
            maxAbs = Math.max(maxAbs, Math.abs(w));
        }
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], got[i], tol * Math.max(1, maxAbs), what + " at " + i);
        }
    }




    @Test
    void linearFeedForwardOfDenseLayersIsTheDenseFfnBitForBit() {
        Random r = new Random(1);
        int d = 24;
        int m = 70;
        DenseFeedForward dense = new DenseFeedForward(new DenseLinear(random(r, d * m, 0.3f), d, m, random(r, m, 0.1f)),
                Activation.GELU, new DenseLinear(random(r, m * d, 0.3f), m, d, random(r, d, 0.1f)));
        float[] x = random(r, 5 * d, 1f);
        float[] want = new float[5 * d];
        float[] got = new float[5 * d];
        dense.forward(x, 5, want);
        LinearFeedForward.of(dense).forward(x, 5, got);
        assertArrayEquals(want, got);
        assertEquals(dense.parameterCount(), LinearFeedForward.of(dense).parameterCount());
    }

    @Test
    void splitOfUncompressedPartsReproducesTheDenseFfn() {
        Random r = new Random(2);
        int d = 20;
        int m = 50;
        float[] u = random(r, d * m, 0.3f);
        float[] b1 = random(r, m, 0.1f);
        float[] v = random(r, m * d, 0.3f);
        float[] b2 = random(r, d, 0.1f);
        DenseFeedForward dense = new DenseFeedForward(new DenseLinear(u, d, m, b1), Activation.GELU,
                new DenseLinear(v, m, d, b2));
        int[] heavy = {3, 7, 8, 21, 40, 49};
        int[] light = new int[m - heavy.length];
        for (int j = 0, l = 0, h = 0; j < m; j++) {
            if (h < heavy.length && heavy[h] == j) {
                h++;
            } else {
                light[l++] = j;
            }
        }
        FeedForward heavyPart = new LinearFeedForward(new DenseLinear(Neurons.columns(u, d, m, heavy), d, heavy.length, Neurons.pick(b1, heavy)),
                Activation.GELU, new DenseLinear(Neurons.rows(v, d, heavy), heavy.length, d, b2));
        FeedForward lightPart = new DenseFeedForward(new DenseLinear(Neurons.columns(u, d, m, light), d, light.length, Neurons.pick(b1, light)),
                Activation.GELU, new DenseLinear(Neurons.rows(v, d, light), light.length, d, null));
        SplitFeedForward split = new SplitFeedForward(heavyPart, lightPart);
        SplitFeedForward flipped = new SplitFeedForward(lightPart, heavyPart); // the non-fused sum path
        assertEquals(dense.parameterCount(), split.parameterCount());
        for (int rows : new int[] {1, 3, 9}) {
            float[] x = random(r, rows * d, 1f);
            float[] want = new float[rows * d];
            float[] got = new float[rows * d];
            dense.forward(x, rows, want);
            split.forward(x, rows, got);
            assertClose(want, got, 1e-5, "split, rows " + rows);
            flipped.forward(x, rows, got);
            assertClose(want, got, 1e-5, "flipped split, rows " + rows);
        }
        assertThrows(IllegalArgumentException.class, () -> new SplitFeedForward(heavyPart,
                new LinearFeedForward(new DenseLinear(new float[d * 2], d, 2, null), Activation.GELU,
                        new DenseLinear(new float[2 * (d + 1)], 2, d + 1, null))));
    }

    static LowRankLinear randomLowRank(Random r, int in, int rank, int out, boolean biasA, boolean biasB) {
        return new LowRankLinear(new DenseLinear(random(r, in * rank, 0.4f), in, rank, biasA ? random(r, rank, 0.1f) : null),
                new DenseLinear(random(r, rank * out, 0.4f), rank, out, biasB ? random(r, out, 0.1f) : null));
    }

    /**
     * The fused four-GEMM split (heavy up + light A1 in one GEMM, [h_H | h_L·A2]·[V_H ; B2] in
     * another, rows in per-thread chunks) against the parts run one by one. Ranks 38 and 32 are
     * MiniLM's rank 10% and a whole panel; 5 and 7 exercise unequal ranks; row counts below and
     * above the chunking threshold; b2 held by either part; one and two threads.
     */
    @Test
    void fusedSplitMatchesThePartsRunOneByOne() {
        Random r = new Random(11);
        int d = 40;
        int previous = ffnkit.kernels.Parallel.shared().threads();
        try {
            for (int threads : new int[] {1, 2}) {
                ffnkit.kernels.Parallel.setThreads(threads);
                int[][] shapes = {{32, 38, 38, 90}, {24, 7, 5, 61}, {32, 32, 32, 96}, {17, 3, 9, 40}};
                for (int[] sh : shapes) {
                    int heavyWidth = sh[0];
                    boolean b2InHeavy = sh[1] % 2 == 0;
                    LinearFeedForward heavy = new LinearFeedForward(
                            new DenseLinear(random(r, d * heavyWidth, 0.3f), d, heavyWidth, random(r, heavyWidth, 0.1f)),
                            Activation.GELU,
                            new DenseLinear(random(r, heavyWidth * d, 0.3f), heavyWidth, d, b2InHeavy ? random(r, d, 0.1f) : null));
                    LinearFeedForward light = new LinearFeedForward(randomLowRank(r, d, sh[1], sh[3], sh[1] == 7, true),
                            Activation.GELU, randomLowRank(r, sh[3], sh[2], d, sh[2] == 9, !b2InHeavy));
                    SplitFeedForward split = new SplitFeedForward(heavy, light);
                    assertTrue(split.isFused(), "dense heavy + low-rank light must take the fused path");
                    assertTrue(light.isFused(), "a low-rank FFN must take the chunked path");
                    for (int rows : new int[] {1, 5, 191, 200, 437}) {
                        float[] x = random(r, rows * d, 1f);
                        float[] want = new float[rows * d];
                        float[] got = new float[rows * d];
                        split.forwardReference(x, rows, want);
                        split.forward(x, rows, got);
                        String what = "split " + java.util.Arrays.toString(sh) + " rows " + rows + " threads " + threads;
                        assertClose(want, got, 2e-5, what);
                        // The vanilla form (no heavy part) through the same fast path, with a residual.
                        float[] residual = random(r, rows * d, 1f);
                        light.forwardReference(x, rows, residual, want);
                        light.forward(x, rows, residual, got);
                        assertClose(want, got, 2e-5, "low-rank " + what);
                    }
                }
            }
        } finally {
            ffnkit.kernels.Parallel.setThreads(previous);
        }
    }

    @Test
    void splitWithANonDenseHeavyPartIsNotFused() {
        Random r = new Random(12);
        LinearFeedForward lowRank = new LinearFeedForward(randomLowRank(r, 8, 2, 12, false, true), Activation.GELU,
                randomLowRank(r, 12, 2, 8, false, true));
        assertTrue(!new SplitFeedForward(lowRank, lowRank).isFused());
        LinearFeedForward dense = new LinearFeedForward(new DenseLinear(random(r, 8 * 4, 1f), 8, 4, null),
                Activation.GELU, new DenseLinear(random(r, 4 * 8, 1f), 4, 8, null));
        assertTrue(!dense.isFused());
        assertTrue(!new SplitFeedForward(dense, dense).isFused());
        assertTrue(new SplitFeedForward(dense, lowRank).isFused());
    }

    @Test
    void lowRankIsTheProductOfItsFactors() {
        Random r = new Random(3);
        int in = 33;
        int rank = 5;
        int out = 19;
        float[] a = random(r, in * rank, 0.5f);
        float[] b = random(r, rank * out, 0.5f);
        float[] bias = random(r, out, 0.1f);
        float[] w = new float[in * out];
        GemmReference.matmul(a, in, rank, b, out, null, Activation.NONE, null, w);
        LowRankLinear lr = new LowRankLinear(new DenseLinear(a, in, rank, null), new DenseLinear(b, rank, out, bias));
        assertEquals(rank, lr.rank());
        assertEquals((long) rank * (in + out) + out, lr.parameterCount());
        assertEquals(2L * rank * (in + out), lr.flopsPerRow());
        float[] x = random(r, 4 * in, 1f);
        float[] residual = random(r, 4 * out, 1f);
        float[] want = new float[4 * out];
        float[] got = new float[4 * out];
        GemmReference.matmul(x, 4, in, w, out, bias, Activation.GELU, residual, want);
        lr.forward(x, 4, Activation.GELU, residual, got);
        assertClose(want, got, 1e-5, "low rank");
    }

    @Test
    void quantisedCodesRoundTripThroughThePacking() {
        Random r = new Random(4);
        for (int bits = 2; bits <= 8; bits++) {
            int in = 45;
            int out = 21;
            int g = 16;
            int groups = QuantizedLinear.groups(in, g);
            int[] codes = new int[in * out];
            for (int i = 0; i < codes.length; i++) {
                codes[i] = r.nextInt(1 << bits);
            }
            float[] zeros = new float[groups * out];
            for (int i = 0; i < zeros.length; i++) {
                zeros[i] = r.nextInt(1 << bits);
            }
            QuantizedLinear q = QuantizedLinear.fromCodes(codes, in, out, bits, g, random(r, groups * out, 0.1f), zeros,
                    null, null);
            assertArrayEquals(codes, q.codes(), bits + " bits");
            int bitsFinal = bits;
            assertThrows(IllegalArgumentException.class, () -> QuantizedLinear.fromCodes(new int[in * out], in, out,
                    bitsFinal, g, new float[groups * out], filled(groups * out, 1 << bitsFinal), null, null));
        }
    }

    static float[] filled(int n, float v) {
        float[] a = new float[n];
        java.util.Arrays.fill(a, v);
        return a;
    }

    /** A random quantised layer (codes, scales, zeros; optionally bias and input scales); also used by the codec tests. */
    public static QuantizedLinear randomQuantized(Random r, int in, int out, int bits, int g, boolean bias, boolean inputScales) {
        int groups = QuantizedLinear.groups(in, g);
        int[] codes = new int[in * out];
        for (int i = 0; i < codes.length; i++) {
            codes[i] = r.nextInt(1 << bits);
        }
        float[] zeros = new float[groups * out];
        float[] scales = new float[groups * out];
        for (int i = 0; i < zeros.length; i++) {
            zeros[i] = r.nextInt(1 << bits);
            scales[i] = 0.01f + 0.1f * r.nextFloat();
        }
        float[] s = null;
        if (inputScales) {
            s = new float[in];
            for (int k = 0; k < in; k++) {
                s[k] = 0.5f + r.nextFloat();
            }
        }
        return QuantizedLinear.fromCodes(codes, in, out, bits, g, scales, zeros, bias ? random(r, out, 0.1f) : null, s);
    }

    @Test
    void quantisedKernelMatchesTheReference() {
        Random r = new Random(5);
        int[][] shapes = {{384, 96, 128}, {45, 21, 16}, {130, 67, 128}, {64, 16, 64}, {7, 3, 4}};
        for (int[] shape : shapes) {
            for (int bits = 2; bits <= 8; bits++) {
                // Past FLOAT_GEMM_ROWS the weights are dequantised into the float GEMM's layout.
                for (int rows : new int[] {1, 2, 4, 5, 11, QuantizedLinear.FLOAT_GEMM_ROWS + 3}) {
                    boolean extras = (bits + rows) % 2 == 0;
                    QuantizedLinear q = randomQuantized(r, shape[0], shape[1], bits, shape[2], extras, extras);
                    float[] x = random(r, rows * shape[0], 1f);
                    float[] residual = extras ? random(r, rows * shape[1], 1f) : null;
                    Activation act = extras ? Activation.GELU : Activation.NONE;
                    float[] want = new float[rows * shape[1]];
                    float[] got = new float[rows * shape[1]];
                    q.forwardReference(x, rows, act, residual, want);
                    q.forward(x, rows, act, residual, got);
                    assertClose(want, got, 2e-5, "shape " + java.util.Arrays.toString(shape) + " bits " + bits + " rows " + rows);
                }
            }
        }
    }

    @Test
    void quantisedSizeIsCountedFromWhatIsStored() {
        QuantizedLinear q = randomQuantized(new Random(6), 384, 1536, 4, 128, true, false);
        // 8 codes per int: 384·1536/2 bytes; 3 groups x 1536 float scales and byte zeros; float bias
        assertEquals(384L * 1536 / 2 + 3 * 1536 * 5 + 1536 * 4, q.byteSize());
        assertEquals(384L * 1536 + 2 * 3 * 1536 + 1536, q.parameterCount());
        QuantizedLinear three = randomQuantized(new Random(6), 384, 1536, 3, 128, false, false);
        // 10 codes per int: 13 words per group of 128
        assertEquals(3L * 13 * 1536 * 4 + 3 * 1536 * 5, three.byteSize());
        assertTrue(three.byteSize() < 384L * 1536 * 4 / 8);
    }
}
