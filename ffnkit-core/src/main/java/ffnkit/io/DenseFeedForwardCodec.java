package ffnkit.io;

import ffnkit.kernels.Activation;
import ffnkit.model.DenseFeedForward;
import ffnkit.model.DenseLinear;
import ffnkit.model.FeedForward;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The original FFN, act(x·U + b1)·V + b2. Tensors: {@code up.weight} [in x width],
 * {@code up.bias} [width], {@code down.weight} [width x out], {@code down.bias} [out]; a bias
 * the layer lacks is not stored and its parameter says so.
 */
public final class DenseFeedForwardCodec implements FeedForwardCodec {

    public static final String KIND = "dense";

    @Override
    public String kind() {
        return KIND;
    }

    @Override
    public boolean canWrite(FeedForward f) {
        return f instanceof DenseFeedForward;
    }

    @Override
    public Map<String, Object> write(FeedForward f, String prefix, SafetensorsWriter out) {
        DenseFeedForward ffn = (DenseFeedForward) f;
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("activation", ffn.activation().name().toLowerCase(Locale.ROOT));
        p.put("input", ffn.inputDim());
        p.put("width", ffn.width());
        p.put("output", ffn.outputDim());
        p.put("up_bias", ffn.up().bias() != null);
        p.put("down_bias", ffn.down().bias() != null);
        writeLinear(ffn.up(), prefix + "up.", out);
        writeLinear(ffn.down(), prefix + "down.", out);
        return p;
    }

    @Override
    public FeedForward read(String prefix, Map<String, Object> params, SafetensorsFile in) {
        Activation act = activation(FeedForwardCodec.stringParam(params, "activation"));
        int input = FeedForwardCodec.intParam(params, "input");
        int width = FeedForwardCodec.intParam(params, "width");
        int output = FeedForwardCodec.intParam(params, "output");
        DenseLinear up = readLinear(in, prefix + "up.", input, width, FeedForwardCodec.boolParam(params, "up_bias"));
        DenseLinear down = readLinear(in, prefix + "down.", width, output, FeedForwardCodec.boolParam(params, "down_bias"));
        return new DenseFeedForward(up, act, down);
    }

    /** Writes {@code name + "weight"} [in x out] and, when present, {@code name + "bias"}; shared with other codecs. */
    public static void writeLinear(DenseLinear l, String name, SafetensorsWriter out) {
        out.add(name + "weight", l.weight().toRowMajor(), l.inputDim(), l.outputDim());
        if (l.bias() != null) {
            out.add(name + "bias", l.bias(), l.outputDim());
        }
    }

    /** Reads what {@link #writeLinear} wrote, checking shapes against the expected dimensions. */
    public static DenseLinear readLinear(SafetensorsFile in, String name, int inDim, int outDim, boolean bias) {
        float[] w = in.floats(name + "weight", inDim, outDim);
        float[] b = bias ? in.floats(name + "bias", outDim) : null;
        return new DenseLinear(w, inDim, outDim, b);
    }

    static Activation activation(String name) {
        for (Activation a : Activation.values()) {
            if (a.name().toLowerCase(Locale.ROOT).equals(name)) {
                return a;
            }
        }
        throw new ModelFormatException("unknown activation '" + name + "': this file needs a newer ffnkit");
    }
}
