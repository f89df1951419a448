package ffnkit.fff;

import ffnkit.io.FeedForwardCodecs;
import ffnkit.io.SafetensorsFile;
import ffnkit.io.SafetensorsWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class FastFeedForwardCodecTest {

    @Test
    void roundTripIsBitExact(@TempDir Path dir) throws Exception {
        FeedForwardCodecs codecs = new FeedForwardCodecs().register(new FastFeedForwardCodec());
        FastFeedForward f = FastFeedForward.random(3, 4, 20, 12, 8);
        SafetensorsWriter w = new SafetensorsWriter();
        Map<String, Object> desc = codecs.write(f, "layer.0.ffn.", w, "layer 0");
        assertEquals("fff", desc.get(FeedForwardCodecs.KIND));
        Path file = dir.resolve("m.safetensors");
        w.write(file);
        try (SafetensorsFile in = SafetensorsFile.open(file)) {
            FastFeedForward g = (FastFeedForward) new FastFeedForwardCodec().read("layer.0.ffn.", desc, in);
            assertEquals(3, g.trees());
            assertEquals(4, g.depth());
            assertArrayEquals(f.wIn(), g.wIn(), 0f);
            assertArrayEquals(f.bIn(), g.bIn(), 0f);
            assertArrayEquals(f.wOut(), g.wOut(), 0f);
            assertArrayEquals(f.b2(), g.b2(), 0f);
        }
    }
}
