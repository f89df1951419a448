package ffnkit.io;

import ffnkit.kernels.Activation;
import ffnkit.model.DenseFeedForward;
import ffnkit.model.DenseLinear;
import ffnkit.model.Encoder;
import ffnkit.model.EncoderLayer;
import ffnkit.model.FeedForward;
import ffnkit.model.Linear;
import ffnkit.model.LinearFeedForward;
import ffnkit.model.LowRankLinear;
import ffnkit.model.QuantizedLinear;
import ffnkit.model.SlotsTest;
import ffnkit.model.SplitFeedForward;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Save -> load of the compressed slot kinds (split, linear with dense/lowrank/rtn layers) and their errors. */
class SlotCodecsTest {

    @TempDir
    Path dir;

    private static float[] values(Random r, int n, float scale) {
        return TestModels.values(r, n, scale);
    }


    /** Every layer's FFN replaced by a different mix of the new slot kinds. */
    private static Encoder compressed(Encoder base, long seed) {
        Random r = new Random(seed);
        List<EncoderLayer> layers = new ArrayList<>();
        int i = 0;
        for (EncoderLayer l : base.layers()) {
            DenseFeedForward f = (DenseFeedForward) l.feedForward();
            int d = f.inputDim();
            int m = f.width();
            int h = m / 4;
            FeedForward slot;
            if (i++ % 2 == 0) {
                FeedForward heavy = new LinearFeedForward(new DenseLinear(values(r, d * h, 0.3f), d, h, values(r, h, 0.1f)),
                        Activation.GELU, SlotsTest.randomQuantized(r, h, d, 8, 4, true, false));
                Linear lightUp = new LowRankLinear(new DenseLinear(values(r, d * 3, 0.3f), d, 3, null),
                        new DenseLinear(values(r, 3 * (m - h), 0.3f), 3, m - h, values(r, m - h, 0.1f)));
                FeedForward light = new LinearFeedForward(lightUp, Activation.GELU, SlotsTest.randomQuantized(r, m - h, d, 3, 8, false, true));
                slot = new SplitFeedForward(heavy, light);
            } else {
                Linear down = new LowRankLinear(SlotsTest.randomQuantized(r, m, 5, 4, 16, false, false),
                        new DenseLinear(values(r, 5 * d, 0.3f), 5, d, values(r, d, 0.1f)));
                slot = new LinearFeedForward(SlotsTest.randomQuantized(r, d, m, 2, 5, true, true), Activation.GELU, down);
            }
            layers.add(new EncoderLayer(l.qkv(), l.attentionOutput(), l.attentionNorm(), slot, l.outputNorm()));
        }
        return new Encoder(base.config(), base.wordEmbeddings(), base.positionEmbeddings(), base.tokenTypeEmbeddings(),
                base.embeddingNorm(), layers);
    }

    private Path saveCompressed() throws IOException {
        Encoder e = compressed(Encoder.of(TestModels.random(TestModels.config(16, 2, 4, 32, 50, 20), 1)), 7);
        Path f = dir.resolve("c.safetensors");
        SavedModel.write(f, e, Map.of(), null);
        return f;
    }

    @Test
    void compressedSlotsRoundTripBitForBit() throws IOException {
        for (long seed = 1; seed <= 2; seed++) {
            Encoder base = Encoder.of(TestModels.random(TestModels.config(16, 3, 4, 32, 50, 20), seed));
            Encoder original = compressed(base, seed);
            Path f = dir.resolve("m" + seed + ".safetensors");
            SavedModel.write(f, original, Map.of(), null);
            Encoder loaded = SavedModel.read(f).encoder();
            SplitFeedForward split = assertInstanceOf(SplitFeedForward.class, loaded.layers().get(0).feedForward());
            LinearFeedForward light = assertInstanceOf(LinearFeedForward.class, split.light());
            assertInstanceOf(LowRankLinear.class, light.up());
            assertInstanceOf(QuantizedLinear.class, light.down());
            LinearFeedForward odd = assertInstanceOf(LinearFeedForward.class, loaded.layers().get(1).feedForward());
            assertInstanceOf(QuantizedLinear.class, ((LowRankLinear) odd.down()).a());
            for (int l = 0; l < 3; l++) {
                FeedForward a = original.layers().get(l).feedForward();
                FeedForward b = loaded.layers().get(l).feedForward();
                assertEquals(a.parameterCount(), b.parameterCount());
                assertEquals(a.byteSize(), b.byteSize());
            }
            int[][] ids = TestModels.ids(50, seed);
            float[][] want = original.embed(ids);
            float[][] got = loaded.embed(ids);
            for (int s = 0; s < ids.length; s++) {
                for (int i = 0; i < want[s].length; i++) {
                    assertEquals(Float.floatToRawIntBits(want[s][i]), Float.floatToRawIntBits(got[s][i]),
                            "seed " + seed + " sequence " + s + " component " + i);
                }
            }
            assertNotEquals(base.embed(ids)[0][0], got[0][0]);
        }
    }

    @Test
    void layerDescriptionsAreReadable() throws IOException {
        Path f = saveCompressed();
        try (SafetensorsFile in = SafetensorsFile.open(f)) {
            String layers = in.metadata().get(SavedModel.KEY_LAYERS);
            assertTrue(layers.contains("\"ffn\":{\"kind\":\"split\",\"input\":16,\"output\":16,\"heavy\":{\"kind\":\"linear\""), layers);
            assertTrue(layers.contains("\"down\":{\"kind\":\"rtn\",\"input\":24,\"output\":16,\"bits\":3,\"group\":8,\"bias\":false,\"input_scale\":true}"), layers);
            assertEquals(SafetensorsDType.U8, in.tensor("layers.0.ffn.light.down.zeros").dtype());
            assertEquals(SafetensorsDType.I32, in.tensor("layers.0.ffn.light.down.qweight").dtype());
            // 24 input rows, 3 groups of 8, 10 codes per int -> 1 word per group
            assertEquals(List.of(3L, 16L), List.of(in.tensor("layers.0.ffn.light.down.qweight").shape()[0],
                    in.tensor("layers.0.ffn.light.down.qweight").shape()[1]));
            assertEquals(3, in.tensor("layers.0.ffn.light.up.a.weight").shape()[1]);
        }
    }

    @Test
    void badBitsRankAndKindsAreRejected() throws IOException {
        Path f = saveCompressed();
        rewriteMetadata(f, s -> s.replaceFirst("\"bits\":3", "\"bits\":9"));
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> SavedModel.read(f));
        assertEquals("c.safetensors: the down-projection has 9 bits and group size 8 (supported: 2 to 8 bits, group size >= 1)"
                + " (in the light part, linear FFN slot) (in layer 0, split FFN slot)", e.getMessage());

        Path g = saveCompressed();
        rewriteMetadata(g, s -> s.replaceFirst("\"kind\":\"lowrank\",\"input\":16,\"rank\":3", "\"kind\":\"lowrank\",\"input\":16,\"rank\":4"));
        e = assertThrows(ModelFormatException.class, () -> SavedModel.read(g));
        assertTrue(e.getMessage().startsWith("c.safetensors: the up-projection factor A is described as 16 -> 3 but the slot needs 16 -> 4"),
                e.getMessage());

        Path h = saveCompressed();
        rewriteMetadata(h, s -> s.replaceFirst("\"kind\":\"rtn\"", "\"kind\":\"nf4\""));
        e = assertThrows(ModelFormatException.class, () -> SavedModel.read(h));
        assertTrue(e.getMessage().startsWith("c.safetensors: unknown linear layer kind 'nf4' for the down-projection: this file needs a newer ffnkit"),
                e.getMessage());

        Path k = saveCompressed();
        rewriteMetadata(k, s -> s.replaceFirst("\"group\":8", "\"group\":12"));
        e = assertThrows(ModelFormatException.class, () -> SavedModel.read(k));
        assertTrue(e.getMessage().startsWith("c.safetensors: shape mismatch for tensor 'layers.0.ffn.light.down.qweight': found [3, 16], expected [4, 16]"),
                e.getMessage());
    }

    @Test
    void zeroPointsOutOfRangeAreRejected() throws IOException {
        Path f = saveCompressed();
        SafetensorsWriter out = new SafetensorsWriter();
        Map<String, String> meta;
        try (SafetensorsFile in = SafetensorsFile.open(f)) {
            meta = new LinkedHashMap<>(in.metadata());
            for (SafetensorsFile.TensorInfo t : in.tensors()) {
                byte[] bytes = in.bytes(t.name());
                if (t.name().equals("layers.0.ffn.light.down.zeros")) {
                    bytes[0] = (byte) 200; // 3-bit zero points are at most 7
                }
                out.addRaw(t.name(), t.dtype(), bytes, t.shape());
            }
        }
        meta.put(SavedModel.KEY_CHECKSUM, String.format("crc32c:%08x", out.dataChecksum()));
        meta.put(SavedModel.KEY_METADATA_CHECKSUM, String.format("crc32c:%08x", SavedModel.metadataChecksum(meta)));
        meta.forEach(out::metadata);
        out.write(f);
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> SavedModel.read(f));
        assertTrue(e.getMessage().startsWith("c.safetensors: the down-projection is invalid: zero point 200.0 is not an integer in [0, 7]"),
                e.getMessage());
    }

    private static void rewriteMetadata(Path f, UnaryOperator<String> change) throws IOException {
        SafetensorsWriter out = new SafetensorsWriter();
        Map<String, String> meta;
        try (SafetensorsFile in = SafetensorsFile.open(f)) {
            meta = new LinkedHashMap<>(in.metadata());
            for (SafetensorsFile.TensorInfo t : in.tensors()) {
                out.addRaw(t.name(), t.dtype(), in.bytes(t.name()), t.shape());
            }
        }
        String before = meta.get(SavedModel.KEY_LAYERS);
        String after = change.apply(before);
        assertNotEquals(before, after, "the test's edit must change the layer descriptions");
        meta.put(SavedModel.KEY_LAYERS, after);
        meta.put(SavedModel.KEY_METADATA_CHECKSUM, String.format("crc32c:%08x", SavedModel.metadataChecksum(meta)));
        meta.forEach(out::metadata);
        out.write(f);
    }
}
