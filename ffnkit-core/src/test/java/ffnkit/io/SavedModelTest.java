package ffnkit.io;

import ffnkit.kernels.Activation;
import ffnkit.model.BertConfig;
import ffnkit.model.DenseFeedForward;
import ffnkit.model.DenseLinear;
import ffnkit.model.Encoder;
import ffnkit.model.EncoderLayer;
import ffnkit.model.FeedForward;
import ffnkit.model.LayerNorm;
import ffnkit.model.Pooling;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SavedModelTest {

    @TempDir
    Path dir;

    private static final String TOKENIZER = "{\"version\":\"1.0\",\"model\":{\"vocab\":{\"[CLS]\":0,\"é\":1}}}";

    private Encoder small(long seed) {
        return Encoder.of(TestModels.random(TestModels.config(16, 2, 4, 32, 50, 20), seed));
    }

    private Path save(Encoder e) throws IOException {
        Path f = dir.resolve("m.ffnkit.safetensors");
        SavedModel.write(f, e, Map.of("source", "random test model"), TOKENIZER.getBytes(StandardCharsets.UTF_8));
        return f;
    }

    @Test
    void writeThenReadGivesBitwiseIdenticalEmbeddings() throws IOException {
        for (long seed = 1; seed <= 3; seed++) {
            BertConfig c = TestModels.config(8 * (int) seed, (int) seed, 2, 24 + (int) seed, 40, 16);
            Encoder original = Encoder.of(TestModels.random(c, seed));
            Path f = dir.resolve("m" + seed + ".safetensors");
            Map<String, String> info = Map.of("source", "seed " + seed, "method", "none");
            SavedModel.write(f, original, info, TOKENIZER.getBytes(StandardCharsets.UTF_8));
            SavedModel.Loaded loaded = SavedModel.read(f);
            assertEquals(c, loaded.encoder().config());
            assertEquals(TOKENIZER, loaded.tokenizerJson());
            assertEquals(info, loaded.info());
            int[][] ids = TestModels.ids(c.vocabSize(), seed);
            float[][] a = original.embed(ids);
            float[][] b = loaded.encoder().embed(ids);
            for (int s = 0; s < ids.length; s++) {
                for (int i = 0; i < a[s].length; i++) {
                    assertEquals(Float.floatToRawIntBits(a[s][i]), Float.floatToRawIntBits(b[s][i]),
                            "seed " + seed + " sequence " + s + " component " + i);
                }
            }
        }
    }

    @Test
    void everyTensorAndNormRoundTrips() throws IOException {
        // pooling, normalisation and per-norm epsilons that differ from the config's must all survive
        BertConfig c = new BertConfig(30, 8, 1, 2, 12, 10, 1, 1e-5f, Pooling.CLS, false, 7);
        Encoder base = Encoder.of(TestModels.random(c, 9));
        EncoderLayer l = base.layers().get(0);
        LayerNorm oddNorm = new LayerNorm(l.outputNorm().gamma(), l.outputNorm().beta(), 3.3e-7f);
        Encoder original = new Encoder(c, base.wordEmbeddings(), base.positionEmbeddings(), base.tokenTypeEmbeddings(),
                new LayerNorm(base.embeddingNorm().gamma(), base.embeddingNorm().beta(), 1e-12f),
                List.of(new EncoderLayer(l.qkv(), l.attentionOutput(), l.attentionNorm(), l.feedForward(), oddNorm)));
        Path f = dir.resolve("m.safetensors");
        SavedModel.write(f, original, Map.of(), null);
        SavedModel.Loaded loaded = SavedModel.read(f);
        Encoder e = loaded.encoder();
        assertNull(loaded.tokenizerJson());
        assertEquals(Map.of(), loaded.info());
        assertEquals(c, e.config());
        assertArrayEquals(original.wordEmbeddings(), e.wordEmbeddings());
        assertArrayEquals(original.positionEmbeddings(), e.positionEmbeddings());
        assertArrayEquals(original.tokenTypeEmbeddings(), e.tokenTypeEmbeddings());
        assertEquals(1e-12f, e.embeddingNorm().eps());
        EncoderLayer x = e.layers().get(0);
        assertArrayEquals(l.qkv().weight().toRowMajor(), x.qkv().weight().toRowMajor());
        assertArrayEquals(l.qkv().bias(), x.qkv().bias());
        assertArrayEquals(l.attentionOutput().weight().toRowMajor(), x.attentionOutput().weight().toRowMajor());
        assertEquals(3.3e-7f, x.outputNorm().eps());
        assertEquals(1e-5f, x.attentionNorm().eps());
        DenseFeedForward ffn = assertInstanceOf(DenseFeedForward.class, x.feedForward());
        DenseFeedForward ref = (DenseFeedForward) l.feedForward();
        assertArrayEquals(ref.up().weight().toRowMajor(), ffn.up().weight().toRowMajor());
        assertArrayEquals(ref.down().bias(), ffn.down().bias());
        assertEquals(Activation.GELU, ffn.activation());
    }

    @Test
    void metadataIsReadableByOtherTools() throws IOException {
        Path f = save(small(1));
        try (SafetensorsFile in = SafetensorsFile.open(f)) {
            Map<String, String> m = in.metadata();
            assertEquals("ffnkit-model/1", m.get("ffnkit.format"));
            assertTrue(m.get("ffnkit.config").contains("\"hidden_size\":16"), m.get("ffnkit.config"));
            assertTrue(m.get("ffnkit.layers").startsWith("[{\"attention_norm_eps\":1.0E-12,\"output_norm_eps\":1.0E-12,"
                    + "\"ffn\":{\"kind\":\"dense\",\"activation\":\"gelu\",\"input\":16,\"width\":32,\"output\":16"), m.get("ffnkit.layers"));
            assertEquals(TOKENIZER, m.get("ffnkit.tokenizer"));
            assertTrue(m.get("ffnkit.checksum").matches("crc32c:[0-9a-f]{8}"));
            assertArrayEquals(new long[] {16, 48}, in.tensor("layers.1.attention.qkv.weight").shape());
            assertArrayEquals(new long[] {32, 16}, in.tensor("layers.0.ffn.down.weight").shape());
        }
        assertTrue(SavedModel.isSavedModel(f));
    }

    @Test
    void slotKindsArePluggable() throws IOException {
        // A composite slot whose codec writes its inner slot through the registry, as FFSplit will.
        FeedForwardCodecs codecs = new FeedForwardCodecs();
        codecs.register(new DoubledCodec(codecs));
        Encoder base = small(5);
        List<EncoderLayer> layers = new ArrayList<>();
        for (EncoderLayer l : base.layers()) {
            layers.add(new EncoderLayer(l.qkv(), l.attentionOutput(), l.attentionNorm(),
                    new Doubled(l.feedForward()), l.outputNorm()));
        }
        Encoder original = new Encoder(base.config(), base.wordEmbeddings(), base.positionEmbeddings(),
                base.tokenTypeEmbeddings(), base.embeddingNorm(), layers);
        Path f = dir.resolve("m.safetensors");

        IllegalArgumentException noCodec = assertThrows(IllegalArgumentException.class,
                () -> SavedModel.write(f, original, Map.of(), null, new FeedForwardCodecs()));
        assertEquals("cannot save the FFN slot in layer 0: no codec is registered for Doubled "
                + "(register a FeedForwardCodec in FeedForwardCodecs)", noCodec.getMessage());
        assertFalse(Files.exists(f));

        SavedModel.write(f, original, Map.of(), null, codecs);
        SavedModel.Loaded loaded = SavedModel.read(f, codecs);
        assertInstanceOf(Doubled.class, loaded.encoder().layers().get(1).feedForward());
        int[][] ids = TestModels.ids(50, 3);
        assertArrayEquals(original.embed(ids)[3], loaded.encoder().embed(ids)[3]);
        assertNotEquals(Arrays.toString(base.embed(ids)[3]), Arrays.toString(loaded.encoder().embed(ids)[3]));

        // the standard registry does not know the kind
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> SavedModel.read(f, new FeedForwardCodecs()));
        assertEquals("m.safetensors: unknown FFN slot kind 'doubled' in layer 0: this file needs a newer ffnkit", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> codecs.register(new DenseFeedForwardCodec()));
    }

    // ---- corrupt files ----

    @Test
    void truncatedFileIsReported() throws IOException {
        Path f = save(small(1));
        byte[] bytes = Files.readAllBytes(f);
        Files.write(f, Arrays.copyOf(bytes, bytes.length - 100));
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> SavedModel.read(f));
        assertTrue(e.getMessage().startsWith("m.ffnkit.safetensors is truncated: tensor 'layers.1.output.norm.gamma' ends at byte 22464 of the data section but only 22428 bytes are present"),
                e.getMessage());
    }

    @Test
    void flippedDataByteFailsTheChecksum() throws IOException {
        Path f = save(small(1));
        byte[] bytes = Files.readAllBytes(f);
        bytes[bytes.length - 1000] ^= 0x10;
        Files.write(f, bytes);
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> SavedModel.read(f));
        assertTrue(e.getMessage().startsWith("m.ffnkit.safetensors is corrupt: checksum mismatch in the data section (stored crc32c:"),
                e.getMessage());
        assertTrue(e.getMessage().endsWith("re-create or re-download it"), e.getMessage());
    }

    @Test
    void damagedMetadataFailsItsChecksum() throws IOException {
        Path f = save(small(1));
        byte[] bytes = Files.readAllBytes(f);
        int at = indexOf(bytes, "[CLS]".getBytes(StandardCharsets.UTF_8));
        assertTrue(at > 0, "tokenizer text is in the header");
        bytes[at + 1] = 'X'; // [CLS] -> [XLS], still valid JSON
        Files.write(f, bytes);
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> SavedModel.read(f));
        assertTrue(e.getMessage().startsWith("m.ffnkit.safetensors is corrupt: checksum mismatch in the metadata"),
                e.getMessage());
    }

    @Test
    void tensorsTheMetadataDoesNotDescribeAreRejected() throws IOException {
        Path f = save(small(1));
        rewrite(f, null, null, "layers.7.ffn.stray");
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> SavedModel.read(f));
        assertEquals("m.ffnkit.safetensors: tensor 'layers.7.ffn.stray' is not described by the metadata: "
                + "the file is damaged; re-create it", e.getMessage());
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    @Test
    void shapeMismatchWithTheMetadataIsNamed() throws IOException {
        Path f = save(small(1));
        rewriteMetadata(f, "ffnkit.layers", s -> s.replaceFirst("\"width\":32", "\"width\":40"));
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> SavedModel.read(f));
        assertEquals("m.ffnkit.safetensors: shape mismatch for tensor 'layers.0.ffn.up.weight': found [16, 32], "
                + "expected [16, 40] (in layer 0, dense FFN slot)", e.getMessage());

        Path g = save(small(1));
        rewriteMetadata(g, "ffnkit.config", s -> s.replace("\"vocab_size\":50", "\"vocab_size\":51"));
        e = assertThrows(ModelFormatException.class, () -> SavedModel.read(g));
        assertEquals("m.ffnkit.safetensors: shape mismatch for tensor 'embeddings.word': found [50, 16], expected [51, 16]",
                e.getMessage());
    }

    @Test
    void nonFiniteNormEpsIsDamageNotAbsence() throws IOException {
        Path f = save(small(1));
        rewriteMetadata(f, "ffnkit.config", s -> s.replaceFirst("\"layer_norm_eps\":[^,]+", "\"layer_norm_eps\":\"NaN\""));
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> SavedModel.read(f));
        assertEquals("m.ffnkit.safetensors: ffnkit.config has 'layer_norm_eps' = \"NaN\", which is not a finite number: "
                + "the file is damaged; re-create it", e.getMessage());

        Path g = save(small(1));
        rewriteMetadata(g, "ffnkit.config", s -> s.replaceFirst("\"layer_norm_eps\":[^,]+,", ""));
        e = assertThrows(ModelFormatException.class, () -> SavedModel.read(g));
        assertEquals("m.ffnkit.safetensors: ffnkit.config is missing number 'layer_norm_eps'", e.getMessage());
    }

    @Test
    void unknownSlotKindAsksForANewerFfnkit() throws IOException {
        Path f = save(Encoder.of(TestModels.random(TestModels.config(16, 4, 4, 32, 50, 20), 2)));
        rewriteMetadata(f, "ffnkit.layers", s -> {
            int at = nthIndexOf(s, "\"kind\":\"dense\"", 3);
            return s.substring(0, at) + "\"kind\":\"xyz\"" + s.substring(at + "\"kind\":\"dense\"".length());
        });
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> SavedModel.read(f));
        assertEquals("m.ffnkit.safetensors: unknown FFN slot kind 'xyz' in layer 3: this file needs a newer ffnkit",
                e.getMessage());
    }

    @Test
    void unsupportedFormatVersionIsRefused() throws IOException {
        Path f = save(small(1));
        rewriteMetadata(f, "ffnkit.format", s -> "ffnkit-model/2");
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> SavedModel.read(f));
        assertEquals("m.ffnkit.safetensors has unsupported format 'ffnkit-model/2' (this ffnkit reads ffnkit-model/1): "
                + "this file needs a newer ffnkit", e.getMessage());
    }

    @Test
    void plainSafetensorsIsNotASavedModel() throws IOException {
        Path f = dir.resolve("model.safetensors");
        new SafetensorsWriter().add("x", new float[] {1}, 1).write(f);
        assertFalse(SavedModel.isSavedModel(f));
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> SavedModel.read(f));
        assertTrue(e.getMessage().startsWith("model.safetensors is a safetensors file but not an ffnkit saved model"),
                e.getMessage());
    }

    @Test
    void savingLeavesOnlyTheTargetFile() throws IOException {
        Path f = save(small(1));
        save(small(2)); // overwrite in place
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(f), files.toList());
        }
    }

    // ---- helpers ----

    /**
     * Rewrites the file with one metadata value changed, as a different writer would have written
     * it: tensors (hence the data checksum) stay byte-identical and the metadata checksum is redone.
     */
    private static void rewriteMetadata(Path f, String key, UnaryOperator<String> change) throws IOException {
        rewrite(f, key, change, null);
    }

    private static void rewrite(Path f, String key, UnaryOperator<String> change, String extraTensor) throws IOException {
        SafetensorsWriter out = new SafetensorsWriter();
        Map<String, String> meta;
        try (SafetensorsFile in = SafetensorsFile.open(f)) {
            meta = new LinkedHashMap<>(in.metadata());
            for (SafetensorsFile.TensorInfo t : in.tensors()) {
                out.addRaw(t.name(), t.dtype(), in.bytes(t.name()), t.shape());
            }
        }
        if (key != null) {
            String before = meta.get(key);
            String after = change.apply(before);
            assertNotEquals(before, after, "the test's edit must change " + key);
            meta.put(key, after);
        }
        if (extraTensor != null) {
            out.add(extraTensor, new float[] {1}, 1);
            meta.put(SavedModel.KEY_CHECKSUM, String.format("crc32c:%08x", out.dataChecksum()));
        }
        meta.put(SavedModel.KEY_METADATA_CHECKSUM, String.format("crc32c:%08x", SavedModel.metadataChecksum(meta)));
        meta.forEach(out::metadata);
        out.write(f);
    }

    private static int nthIndexOf(String s, String what, int n) {
        int at = -1;
        for (int i = 0; i <= n; i++) {
            at = s.indexOf(what, at + 1);
        }
        return at;
    }

    /** Twice the inner slot's output: a stand-in for a composite slot such as a split FFN. */
    static final class Doubled implements FeedForward {
        final FeedForward inner;

        Doubled(FeedForward inner) {
            this.inner = inner;
        }

        @Override
        public void forward(float[] x, int rows, float[] out) {
            inner.forward(x, rows, out);
            for (int i = 0; i < rows * outputDim(); i++) {
                out[i] *= 2;
            }
        }

        @Override
        public int inputDim() {
            return inner.inputDim();
        }

        @Override
        public int outputDim() {
            return inner.outputDim();
        }

        @Override
        public long parameterCount() {
            return inner.parameterCount();
        }

        @Override
        public long flopsPerToken() {
            return inner.flopsPerToken();
        }
    }

    static final class DoubledCodec implements FeedForwardCodec {
        private final FeedForwardCodecs registry;

        DoubledCodec(FeedForwardCodecs registry) {
            this.registry = registry;
        }

        @Override
        public String kind() {
            return "doubled";
        }

        @Override
        public boolean canWrite(FeedForward f) {
            return f instanceof Doubled;
        }

        @Override
        public Map<String, Object> write(FeedForward f, String prefix, SafetensorsWriter out) {
            return Map.of("inner", registry.write(((Doubled) f).inner, prefix + "inner.", out, "doubled slot"));
        }

        @Override
        public FeedForward read(String prefix, Map<String, Object> params, SafetensorsFile in) {
            return new Doubled(registry.read(FeedForwardCodec.mapParam(params, "inner"), prefix + "inner.", in, "doubled slot"));
        }
    }
}
