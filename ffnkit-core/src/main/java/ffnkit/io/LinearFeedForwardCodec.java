package ffnkit.io;

import ffnkit.kernels.Activation;
import ffnkit.model.FeedForward;
import ffnkit.model.LinearFeedForward;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * act(x·U + b1)·V + b2 with any layer kinds: parameters {@code activation}, {@code input},
 * {@code width}, {@code output}, and {@code up}/{@code down} layer descriptions (see
 * {@link LinearCodec}) whose tensors live under {@code up.} and {@code down.}.
 */
public final class LinearFeedForwardCodec implements FeedForwardCodec {

    public static final String KIND = "linear";

    @Override
    public String kind() {
        return KIND;
    }

    @Override
    public boolean canWrite(FeedForward f) {
        return f instanceof LinearFeedForward;
    }

    @Override
    public Map<String, Object> write(FeedForward f, String prefix, SafetensorsWriter out) {
        LinearFeedForward ffn = (LinearFeedForward) f;
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("activation", ffn.activation().name().toLowerCase(Locale.ROOT));
        p.put("input", ffn.inputDim());
        p.put("width", ffn.width());
        p.put("output", ffn.outputDim());
        p.put("up", LinearCodec.write(ffn.up(), prefix + "up.", out));
        p.put("down", LinearCodec.write(ffn.down(), prefix + "down.", out));
        return p;
    }

    @Override
    public FeedForward read(String prefix, Map<String, Object> params, SafetensorsFile in) {
        Activation act = DenseFeedForwardCodec.activation(FeedForwardCodec.stringParam(params, "activation"));
        int input = FeedForwardCodec.intParam(params, "input");
        int width = FeedForwardCodec.intParam(params, "width");
        int output = FeedForwardCodec.intParam(params, "output");
        return new LinearFeedForward(
                LinearCodec.read(FeedForwardCodec.mapParam(params, "up"), prefix + "up.", in, input, width, "up-projection"),
                act,
                LinearCodec.read(FeedForwardCodec.mapParam(params, "down"), prefix + "down.", in, width, output, "down-projection"));
    }
}
