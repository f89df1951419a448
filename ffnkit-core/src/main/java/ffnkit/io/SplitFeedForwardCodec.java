package ffnkit.io;

import ffnkit.model.FeedForward;
import ffnkit.model.SplitFeedForward;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * FFSplit: parameters {@code input}, {@code output}, {@code heavy} and {@code light} (slot
 * descriptions of any registered kind, tensors under {@code heavy.} and {@code light.}).
 */
public final class SplitFeedForwardCodec implements FeedForwardCodec {

    public static final String KIND = "split";

    private final FeedForwardCodecs registry;

    public SplitFeedForwardCodec(FeedForwardCodecs registry) {
        this.registry = registry;
    }

    @Override
    public String kind() {
        return KIND;
    }

    @Override
    public boolean canWrite(FeedForward f) {
        return f instanceof SplitFeedForward;
    }

    @Override
    public Map<String, Object> write(FeedForward f, String prefix, SafetensorsWriter out) {
        SplitFeedForward s = (SplitFeedForward) f;
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("input", s.inputDim());
        p.put("output", s.outputDim());
        p.put("heavy", registry.write(s.heavy(), prefix + "heavy.", out, "the heavy part"));
        p.put("light", registry.write(s.light(), prefix + "light.", out, "the light part"));
        return p;
    }

    @Override
    public FeedForward read(String prefix, Map<String, Object> params, SafetensorsFile in) {
        int input = FeedForwardCodec.intParam(params, "input");
        int output = FeedForwardCodec.intParam(params, "output");
        FeedForward heavy = registry.read(FeedForwardCodec.mapParam(params, "heavy"), prefix + "heavy.", in, "the heavy part");
        FeedForward light = registry.read(FeedForwardCodec.mapParam(params, "light"), prefix + "light.", in, "the light part");
        for (FeedForward part : new FeedForward[] {heavy, light}) {
            if (part.inputDim() != input || part.outputDim() != output) {
                throw new ModelFormatException("the " + (part == heavy ? "heavy" : "light") + " part maps "
                        + part.inputDim() + " -> " + part.outputDim() + " but the split slot is " + input + " -> " + output);
            }
        }
        return new SplitFeedForward(heavy, light);
    }
}
