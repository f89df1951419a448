package ffnkit.compress;

import ffnkit.model.QuantizedLinear;

/**
 * Round-to-nearest asymmetric group quantisation, AWQ's {@code pseudo_quantize_tensor}
 * (METHODS.md). For each output column and each group of {@code groupSize} consecutive INPUT rows:
 * <pre>
 *   scale = max(max − min, 1e-5) / (2^b − 1)
 *   zero  = clamp(−round(min / scale), 0, 2^b − 1)
 *   q     = clamp(round(w / scale) + zero, 0, 2^b − 1)
 *   w'    = (q − zero) · scale
 * </pre>
 * round is round-half-to-even, as torch.round.
 */
public final class Rtn {

    /** Codes q [in x out], scales and zeros [groups x out]. */
    public record Codes(int[] q, float[] scales, float[] zeros) {
    }

    private Rtn() {
    }

    public static Codes quantize(float[] w, int in, int out, int bits, int groupSize) {
        if (bits < 2 || bits > 8) {
            throw new IllegalArgumentException("RTN takes 2 to 8 bits, got " + bits);
        }
        int groups = QuantizedLinear.groups(in, groupSize);
        int maxQ = (1 << bits) - 1;
        int[] q = new int[in * out];
        float[] scales = new float[groups * out];
        float[] zeros = new float[groups * out];
        for (int g = 0; g < groups; g++) {
            int k0 = g * groupSize;
            int k1 = Math.min(in, k0 + groupSize);
            for (int n = 0; n < out; n++) {
                float min = Float.POSITIVE_INFINITY;
                float max = Float.NEGATIVE_INFINITY;
                for (int k = k0; k < k1; k++) {
                    float v = w[k * out + n];
                    min = Math.min(min, v);
                    max = Math.max(max, v);
                }
                float scale = Math.max(max - min, 1e-5f) / maxQ;
                float zero = Math.clamp(-(float) Math.rint(min / scale), 0, maxQ);
                scales[g * out + n] = scale;
                zeros[g * out + n] = zero;
                for (int k = k0; k < k1; k++) {
                    q[k * out + n] = (int) Math.clamp((float) Math.rint(w[k * out + n] / scale) + zero, 0, maxQ);
                }
            }
        }
        return new Codes(q, scales, zeros);
    }

    /** The RTN-quantised layer (optionally with AWQ input scales: then {@code w} must already be W·diag(s)). */
    public static QuantizedLinear layer(float[] w, int in, int out, float[] bias, int bits, int groupSize,
                                        float[] inputScales) {
        Codes c = quantize(w, in, out, bits, groupSize);
        return QuantizedLinear.fromCodes(c.q(), in, out, bits, groupSize, c.scales(), c.zeros(), bias, inputScales);
    }
}
