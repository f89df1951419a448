package ffnkit.io;

import ffnkit.kernels.QuantizedGemm;
import ffnkit.model.DenseLinear;
import ffnkit.model.Linear;
import ffnkit.model.LowRankLinear;
import ffnkit.model.QuantizedLinear;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Saves and loads one {@link Linear} inside an FFN slot. A layer is described by a JSON object
 * whose "kind" says which:
 * <ul>
 *   <li>{@code dense}: {@code input}, {@code output}, {@code bias}; tensors {@code weight} [in x out], {@code bias} [out]</li>
 *   <li>{@code lowrank}: {@code input}, {@code rank}, {@code output}, {@code a} and {@code b} (nested layers
 *       under {@code a.} and {@code b.})</li>
 *   <li>{@code rtn}: {@code input}, {@code output}, {@code bits}, {@code group}, {@code bias},
 *       {@code input_scale}; tensors {@code qweight} I32 [groups·wordsPerGroup x out] (packed codes),
 *       {@code scales} F32 [groups x out], {@code zeros} U8 [groups x out], {@code bias} [out],
 *       {@code input_scale} [in]</li>
 * </ul>
 */
public final class LinearCodec {

    public static final String DENSE = "dense";
    public static final String LOW_RANK = "lowrank";
    public static final String RTN = "rtn";

    private LinearCodec() {
    }

    public static Map<String, Object> write(Linear l, String prefix, SafetensorsWriter out) {
        Map<String, Object> p = new LinkedHashMap<>();
        switch (l) {
            case DenseLinear d -> {
                p.put("kind", DENSE);
                p.put("input", d.inputDim());
                p.put("output", d.outputDim());
                p.put("bias", d.bias() != null);
                DenseFeedForwardCodec.writeLinear(d, prefix, out);
            }
            case LowRankLinear r -> {
                p.put("kind", LOW_RANK);
                p.put("input", r.inputDim());
                p.put("rank", r.rank());
                p.put("output", r.outputDim());
                p.put("a", write(r.a(), prefix + "a.", out));
                p.put("b", write(r.b(), prefix + "b.", out));
            }
            case QuantizedLinear q -> {
                p.put("kind", RTN);
                p.put("input", q.inputDim());
                p.put("output", q.outputDim());
                p.put("bits", q.bits());
                p.put("group", q.groupSize());
                p.put("bias", q.bias() != null);
                p.put("input_scale", q.inputScales() != null);
                int groups = QuantizedLinear.groups(q.inputDim(), q.groupSize());
                out.add(prefix + "qweight", q.packedCodes(),
                        (long) groups * QuantizedGemm.wordsPerGroup(q.bits(), q.groupSize()), q.outputDim());
                out.add(prefix + "scales", q.scales(), groups, q.outputDim());
                byte[] zeros = new byte[q.zeros().length];
                for (int i = 0; i < zeros.length; i++) {
                    zeros[i] = (byte) (int) q.zeros()[i];
                }
                out.addRaw(prefix + "zeros", SafetensorsDType.U8, zeros, groups, q.outputDim());
                if (q.bias() != null) {
                    out.add(prefix + "bias", q.bias(), q.outputDim());
                }
                if (q.inputScales() != null) {
                    out.add(prefix + "input_scale", q.inputScales(), q.inputDim());
                }
            }
            default -> throw new IllegalArgumentException("cannot save a " + l.getClass().getSimpleName()
                    + " layer: LinearCodec knows dense, lowrank and rtn layers");
        }
        return p;
    }

    /**
     * Rebuilds a layer and checks it maps {@code in -> out}.
     *
     * @param what for error messages, e.g. "up-projection"
     */
    public static Linear read(Map<String, Object> p, String prefix, SafetensorsFile in, int inDim, int outDim,
                              String what) {
        String kind = FeedForwardCodec.stringParam(p, "kind");
        int input = FeedForwardCodec.intParam(p, "input");
        int output = FeedForwardCodec.intParam(p, "output");
        if (input != inDim || output != outDim) {
            throw new ModelFormatException(file(in) + ": the " + what + " is described as " + input + " -> " + output
                    + " but the slot needs " + inDim + " -> " + outDim);
        }
        return switch (kind) {
            case DENSE -> DenseFeedForwardCodec.readLinear(in, prefix, input, output, FeedForwardCodec.boolParam(p, "bias"));
            case LOW_RANK -> {
                int rank = FeedForwardCodec.intParam(p, "rank");
                if (rank < 1) {
                    throw new ModelFormatException(file(in) + ": the " + what + " has rank " + rank);
                }
                Linear a = read(FeedForwardCodec.mapParam(p, "a"), prefix + "a.", in, input, rank, what + " factor A");
                Linear b = read(FeedForwardCodec.mapParam(p, "b"), prefix + "b.", in, rank, output, what + " factor B");
                yield new LowRankLinear(a, b);
            }
            case RTN -> readQuantized(p, prefix, in, input, output, what);
            default -> throw new ModelFormatException(file(in) + ": unknown linear layer kind '" + kind + "' for the "
                    + what + ": this file needs a newer ffnkit");
        };
    }

    private static QuantizedLinear readQuantized(Map<String, Object> p, String prefix, SafetensorsFile in, int input,
                                                 int output, String what) {
        int bits = FeedForwardCodec.intParam(p, "bits");
        int group = FeedForwardCodec.intParam(p, "group");
        if (bits < 2 || bits > 8 || group < 1) {
            throw new ModelFormatException(file(in) + ": the " + what + " has " + bits + " bits and group size " + group
                    + " (supported: 2 to 8 bits, group size >= 1)");
        }
        int groups = QuantizedLinear.groups(input, group);
        in.requireShape(prefix + "qweight", (long) groups * QuantizedGemm.wordsPerGroup(bits, group), output);
        int[] words = in.ints(prefix + "qweight");
        float[] scales = in.floats(prefix + "scales", groups, output);
        SafetensorsFile.TensorInfo zt = in.requireShape(prefix + "zeros", groups, output);
        if (zt.dtype() != SafetensorsDType.U8) {
            throw new ModelFormatException(file(in) + ": tensor '" + prefix + "zeros' has dtype " + zt.dtype() + ", expected U8");
        }
        byte[] zb = in.bytes(prefix + "zeros");
        float[] zeros = new float[zb.length];
        for (int i = 0; i < zb.length; i++) {
            zeros[i] = zb[i] & 0xff;
        }
        float[] bias = FeedForwardCodec.boolParam(p, "bias") ? in.floats(prefix + "bias", output) : null;
        float[] inputScale = FeedForwardCodec.boolParam(p, "input_scale") ? in.floats(prefix + "input_scale", input) : null;
        try {
            return QuantizedLinear.fromPacked(words, input, output, bits, group, scales, zeros, bias, inputScale);
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(file(in) + ": the " + what + " is invalid: " + e.getMessage(), e);
        }
    }

    private static String file(SafetensorsFile in) {
        Path name = in.path().getFileName();
        return name == null ? in.path().toString() : name.toString();
    }
}
