package ffnkit.fff;

import ffnkit.io.FeedForwardCodec;
import ffnkit.io.SafetensorsFile;
import ffnkit.io.SafetensorsWriter;
import ffnkit.model.FeedForward;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Saved-model codec of {@link FastFeedForward} (kind "fff"). Parameters: trees, depth, input,
 * output. Tensors: {@code w_in} [K·n x d], {@code b_in} [K·n], {@code w_out} [K·n x d_out],
 * {@code b2} [d_out], rows in node order (row k·n + v is node v of tree k, children of v at 2v+1
 * and 2v+2), the layout the CMM kernel reads. Register it with
 * {@code FeedForwardCodecs.standard().registerIfAbsent(new FastFeedForwardCodec())}.
 */
public final class FastFeedForwardCodec implements FeedForwardCodec {

    public static final String KIND = "fff";

    @Override
    public String kind() {
        return KIND;
    }

    @Override
    public boolean canWrite(FeedForward f) {
        return f instanceof FastFeedForward;
    }

    @Override
    public Map<String, Object> write(FeedForward f, String prefix, SafetensorsWriter out) {
        FastFeedForward fff = (FastFeedForward) f;
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("trees", fff.trees());
        p.put("depth", fff.depth());
        p.put("input", fff.inputDim());
        p.put("output", fff.outputDim());
        out.add(prefix + "w_in", fff.wIn(), fff.neurons(), fff.inputDim());
        out.add(prefix + "b_in", fff.bIn(), fff.neurons());
        out.add(prefix + "w_out", fff.wOut(), fff.neurons(), fff.outputDim());
        out.add(prefix + "b2", fff.b2(), fff.outputDim());
        return p;
    }

    @Override
    public FeedForward read(String prefix, Map<String, Object> params, SafetensorsFile in) {
        int trees = FeedForwardCodec.intParam(params, "trees");
        int depth = FeedForwardCodec.intParam(params, "depth");
        int input = FeedForwardCodec.intParam(params, "input");
        int output = FeedForwardCodec.intParam(params, "output");
        int neurons = trees * FastFeedForward.nodesPerTree(depth);
        return new FastFeedForward(trees, depth, input, output, in.floats(prefix + "w_in", neurons, input),
                in.floats(prefix + "b_in", neurons), in.floats(prefix + "w_out", neurons, output),
                in.floats(prefix + "b2", output));
    }
}
