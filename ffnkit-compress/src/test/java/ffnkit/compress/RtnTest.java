package ffnkit.compress;

import ffnkit.kernels.Activation;
import ffnkit.model.QuantizedLinear;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RtnTest {

    @Test
    void handComputedTwoBitGroup() {
        // one column, one group of 3: min -1, max 2 -> scale 3/3 = 1, zero = -round(-1) = 1
        // q = round(w) + 1: -1 -> 0, 0.5 -> round-half-even 0 -> 1, 2 -> 3
        Rtn.Codes c = Rtn.quantize(new float[] {-1f, 0.5f, 2f}, 3, 1, 2, 3);
        assertArrayEquals(new int[] {0, 1, 3}, c.q());
        assertArrayEquals(new float[] {1f}, c.scales());
        assertArrayEquals(new float[] {1f}, c.zeros());
        QuantizedLinear q = Rtn.layer(new float[] {-1f, 0.5f, 2f}, 3, 1, null, 2, 3, null);
        assertArrayEquals(new float[] {-1f, 0f, 2f}, q.dequantize());
    }

    @Test
    void handComputedGroupsRunAlongTheInputDimension() {
        // W [4 x 2], groups of 2 input rows, 3 bits (levels 0..7)
        float[] w = {
                0.0f, 1.0f,
                0.7f, 1.0f,   // group 0: col 0 in [0, 0.7] -> scale 0.1, zero 0; col 1 constant 1 -> scale 1e-5/7
                -0.35f, 5f,
                0.35f, 6.4f}; // group 1: col 0 in [-0.35, 0.35] -> scale 0.1, zero round(3.5) = 4; col 1 [5, 6.4] -> scale 0.2, zero 0 (clamped from -25)
        Rtn.Codes c = Rtn.quantize(w, 4, 2, 3, 2);
        assertEquals(0.1f, c.scales()[0], 1e-7);
        assertEquals(1e-5f / 7, c.scales()[1], 1e-12);
        assertEquals(0.1f, c.scales()[2], 1e-7);
        assertEquals(0.2f, c.scales()[3], 1e-7);
        assertArrayEquals(new float[] {0, 0, 4, 0}, c.zeros());
        // col 0: 0/0.1=0 -> 0; 0.7/0.1 = 7 -> 7; -3.5 -> rint -4 + 4 = 0; 3.5 -> 4 + 4 = 8 -> clamped 7
        // col 1 group 0: 1/(1e-5/7) huge -> clamped 7; group 1: 25 -> 7, 32 -> 7
        assertArrayEquals(new int[] {0, 7, 7, 7, 0, 7, 7, 7}, c.q());
        QuantizedLinear q = QuantizedLinear.fromCodes(c.q(), 4, 2, 3, 2, c.scales(), c.zeros(), null, null);
        float[] d = q.dequantize();
        assertEquals(0.7f, d[2], 1e-6);
        assertEquals(-0.4f, d[4], 1e-6);
        assertEquals(0.3f, d[6], 1e-6); // the clipped top level: (7 - 4)·0.1
        assertEquals(1.4f, d[7], 1e-6); // 7·0.2: a positive minimum cannot be reached without a negative zero
    }

    @Test
    void errorShrinksWithBitsAndIsBoundedByHalfAStep() {
        Random r = new Random(1);
        int in = 256;
        int out = 64;
        float[] w = new float[in * out];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) r.nextGaussian();
        }
        double previous = Double.POSITIVE_INFINITY;
        for (int bits = 2; bits <= 8; bits++) {
            QuantizedLinear q = Rtn.layer(w, in, out, null, bits, 128, null);
            float[] d = q.dequantize();
            double err = 0;
            for (int i = 0; i < w.length; i++) {
                err += (w[i] - d[i]) * (w[i] - d[i]);
            }
            assertTrue(err < previous, bits + " bits: " + err + " vs " + previous);
            previous = err;
        }
        // 8-bit error per weight is within half a quantisation step (plus the zero's rounding)
        QuantizedLinear q = Rtn.layer(w, in, out, null, 8, 128, null);
        float[] d = q.dequantize();
        for (int i = 0; i < w.length; i++) {
            int g = (i / out) / 128;
            float step = q.scales()[g * out + i % out];
            assertTrue(Math.abs(w[i] - d[i]) <= step * 1.0001f, "weight " + i);
        }
        // and the kernel multiplies by exactly those weights
        float[] x = new float[3 * in];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian();
        }
        float[] a = new float[3 * out];
        float[] b = new float[3 * out];
        q.forward(x, 3, a);
        q.forwardReference(x, 3, Activation.NONE, null, b);
        for (int i = 0; i < a.length; i++) {
            assertEquals(b[i], a[i], 1e-3);
        }
    }
}
