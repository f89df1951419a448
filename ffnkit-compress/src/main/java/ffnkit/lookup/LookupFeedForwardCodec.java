package ffnkit.lookup;

import ffnkit.io.FeedForwardCodec;
import ffnkit.io.ModelFormatException;
import ffnkit.io.SafetensorsFile;
import ffnkit.io.SafetensorsWriter;
import ffnkit.model.FeedForward;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Saved-model codec of {@link LookupFeedForward} (kind "lookup"). Parameters: input, output,
 * tables (h), bits (tau), projection ("bh4"|"dense"), block (b), hadamard ("orthonormal": the one
 * normalisation of {@link Hadamard}, stored so a file never runs under another convention).
 * Tensors: projection.weight ({@link Bh4} layout: [R·4·p/b, b, b] for BH4, [d, h·tau] dense),
 * projection.bias [h·tau], tables [h, 2^tau, d_out], bias [d_out].
 */
public final class LookupFeedForwardCodec implements FeedForwardCodec {

    public static final String KIND = "lookup";

    @Override
    public String kind() {
        return KIND;
    }

    @Override
    public boolean canWrite(FeedForward f) {
        return f instanceof LookupFeedForward;
    }

    @Override
    public Map<String, Object> write(FeedForward f, String prefix, SafetensorsWriter out) {
        LookupFeedForward l = (LookupFeedForward) f;
        LookupShape s = l.shape();
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("input", s.inputDim());
        p.put("output", s.outputDim());
        p.put("tables", s.tables());
        p.put("bits", s.bits());
        p.put("projection", s.projection().name().toLowerCase(Locale.ROOT));
        p.put("block", s.blockSize());
        p.put("hadamard", "orthonormal");
        out.add(prefix + "projection.weight", l.projectionWeight(), weightShape(s));
        out.add(prefix + "projection.bias", l.projectionBias(), s.codeDim());
        out.add(prefix + "tables", l.tables(), s.tables(), s.rowsPerTable(), s.outputDim());
        out.add(prefix + "bias", l.bias(), s.outputDim());
        return p;
    }

    @Override
    public FeedForward read(String prefix, Map<String, Object> params, SafetensorsFile in) {
        String hadamard = FeedForwardCodec.stringParam(params, "hadamard");
        if (!hadamard.equals("orthonormal")) {
            throw new ModelFormatException("lookup slot uses Hadamard normalisation '" + hadamard
                    + "'; this ffnkit implements only 'orthonormal'");
        }
        LookupShape.ProjectionKind kind;
        try {
            kind = LookupShape.ProjectionKind.valueOf(FeedForwardCodec.stringParam(params, "projection")
                    .toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException("unknown lookup projection '" + params.get("projection") + "'");
        }
        LookupShape s;
        try {
            s = new LookupShape(FeedForwardCodec.intParam(params, "input"), FeedForwardCodec.intParam(params, "output"),
                    FeedForwardCodec.intParam(params, "tables"), FeedForwardCodec.intParam(params, "bits"), kind,
                    FeedForwardCodec.intParam(params, "block"));
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException("lookup slot: " + e.getMessage());
        }
        return new LookupFeedForward(s, in.floats(prefix + "projection.weight", weightShape(s)),
                in.floats(prefix + "projection.bias", s.codeDim()),
                in.floats(prefix + "tables", s.tables(), s.rowsPerTable(), s.outputDim()),
                in.floats(prefix + "bias", s.outputDim()));
    }

    private static long[] weightShape(LookupShape s) {
        if (s.projection() == LookupShape.ProjectionKind.DENSE) {
            return new long[] {s.inputDim(), s.codeDim()};
        }
        int b = s.block();
        return new long[] {(long) s.repeats() * Bh4.STAGES * (s.paddedDim() / b), b, b};
    }
}
