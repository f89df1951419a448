package ffnkit.lookup;

import ffnkit.io.SafetensorsFile;
import ffnkit.io.SafetensorsWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class LookupFeedForwardCodecTest {

    @Test
    void roundTripsBothProjectionsBitExactly(@TempDir Path dir) throws Exception {
        LookupFeedForwardCodec codec = new LookupFeedForwardCodec();
        for (LookupShape shape : new LookupShape[] {new LookupShape(20, 13, 5, 3, LookupShape.ProjectionKind.BH4, 8),
                new LookupShape(20, 13, 5, 3, LookupShape.ProjectionKind.DENSE, 8)}) {
            LookupFeedForward layer = LookupFeedForward.random(shape, 3, 1f);
            SafetensorsWriter w = new SafetensorsWriter();
            Map<String, Object> params = codec.write(layer, "layers.0.ffn.", w);
            Path file = dir.resolve(shape.projection() + ".safetensors");
            w.write(file);
            try (SafetensorsFile in = SafetensorsFile.open(file)) {
                LookupFeedForward back = (LookupFeedForward) codec.read("layers.0.ffn.", params, in);
                float[] x = LookupKernelTest.randomInputs(7, 20, 4);
                float[] a = new float[7 * 13];
                float[] b = new float[7 * 13];
                layer.forward(x, 7, a);
                back.forward(x, 7, b);
                assertArrayEquals(a, b, 0f);
                Map<String, Object> wrong = new java.util.HashMap<>(params);
                wrong.put("hadamard", "unnormalised");
                assertThrows(RuntimeException.class, () -> codec.read("layers.0.ffn.", wrong, in));
            }
        }
    }
}
