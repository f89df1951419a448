package ffnkit.compress;

import ffnkit.fff.FastFeedForwardCodec;
import ffnkit.io.FeedForwardCodecs;
import ffnkit.lookup.LookupFeedForwardCodec;

/**
 * Registers the FFN slot kinds defined in this module (fast feedforward trees, LookupFFN) with the
 * standard codec registry, so saved models holding them load everywhere. Core's kinds (dense,
 * split, linear with low-rank or quantised layers) are registered by core itself. Explicit, no
 * class-path scanning: call once at start-up.
 */
public final class SlotKinds {

    private SlotKinds() {
    }

    public static FeedForwardCodecs registerAll() {
        FeedForwardCodecs codecs = FeedForwardCodecs.standard();
        codecs.registerIfAbsent(new FastFeedForwardCodec());
        codecs.registerIfAbsent(new LookupFeedForwardCodec());
        return codecs;
    }
}
