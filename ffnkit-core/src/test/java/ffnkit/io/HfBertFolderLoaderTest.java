package ffnkit.io;

import ffnkit.model.BertConfig;
import ffnkit.model.BertWeights;
import ffnkit.model.Encoder;
import ffnkit.model.LayerNorm;
import ffnkit.model.Pooling;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HfBertFolderLoaderTest {

    @TempDir
    Path dir;

    private final BertConfig config = TestModels.config(16, 2, 4, 32, 50, 20);
    private final BertWeights original = TestModels.random(config, 42);

    @Test
    void loadsEveryTensorExactlyWithoutPrefix() throws IOException {
        writeFolder(dir, original, "", false, SafetensorsDType.F32);
        BertWeights loaded = HfBertFolderLoader.load(dir);
        assertSameWeights(original, loaded);
        assertEquals(config.withMaxTokens(20), loaded.config());
        assertSameEmbeddings(original, loaded);
    }

    @Test
    void loadsBertPrefixAndOldLayerNormNames() throws IOException {
        writeFolder(dir, original, "bert.", true, SafetensorsDType.F32);
        BertWeights loaded = HfBertFolderLoader.load(dir);
        assertSameWeights(original, loaded);
        assertSameEmbeddings(original, loaded);
    }

    @Test
    void halfPrecisionCheckpointsConvertToFloat() throws IOException {
        writeFolder(dir, original, "", false, SafetensorsDType.BF16);
        BertWeights loaded = HfBertFolderLoader.load(dir);
        float[] expected = original.layers().get(1).upWeight().clone();
        for (int i = 0; i < expected.length; i++) {
            expected[i] = Float.intBitsToFloat((SafetensorsWriter.toBFloat16(expected[i]) & 0xFFFF) << 16);
        }
        assertArrayEquals(expected, loaded.layers().get(1).upWeight());
    }

    @Test
    void sentenceTransformersFilesSetPoolingNormalisationAndLength() throws IOException {
        writeFolder(dir, original, "", false, SafetensorsDType.F32);
        Files.createDirectories(dir.resolve("1_Pooling"));
        Files.writeString(dir.resolve("1_Pooling/config.json"),
                "{\"word_embedding_dimension\":16,\"pooling_mode_cls_token\":true,\"pooling_mode_mean_tokens\":false}");
        Files.writeString(dir.resolve("sentence_bert_config.json"), "{\"max_seq_length\":8,\"do_lower_case\":false}");
        Files.writeString(dir.resolve("modules.json"), "[{\"idx\":0,\"name\":\"0\",\"path\":\"\",\"type\":\"sentence_transformers.models.Transformer\"},"
                + "{\"idx\":1,\"name\":\"1\",\"path\":\"1_Pooling\",\"type\":\"sentence_transformers.models.Pooling\"}]");
        BertConfig c = HfBertFolderLoader.load(dir).config();
        assertEquals(Pooling.CLS, c.pooling());
        assertFalse(c.normalize(), "modules.json lists no Normalize module");
        assertEquals(8, c.maxTokens());
    }

    @Test
    void defaultsAreMeanNormalisedAndAtMost512Tokens() throws IOException {
        BertConfig big = TestModels.config(16, 1, 4, 32, 50, 600);
        writeFolder(dir, TestModels.random(big, 1), "", false, SafetensorsDType.F32);
        BertConfig c = HfBertFolderLoader.load(dir).config();
        assertEquals(Pooling.MEAN, c.pooling());
        assertTrue(c.normalize());
        assertEquals(512, c.maxTokens());
    }

    @Test
    void unsupportedActivationIsNamed() throws IOException {
        writeFolder(dir, original, "", false, SafetensorsDType.F32);
        Files.writeString(dir.resolve("config.json"), configJson(config).replace("\"gelu\"", "\"gelu_new\""));
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> HfBertFolderLoader.load(dir));
        assertEquals(dir + ": config.json has hidden_act 'gelu_new': only exact erf GELU ('gelu') is supported", e.getMessage());
    }

    @Test
    void missingTensorIsNamed() throws IOException {
        writeFolder(dir, original, "", false, SafetensorsDType.F32);
        rewriteWithout(dir, "encoder.layer.1.intermediate.dense.bias");
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> HfBertFolderLoader.load(dir));
        assertTrue(e.getMessage().startsWith(dir + ": model.safetensors is missing tensor 'encoder.layer.1.intermediate.dense.bias'"),
                e.getMessage());
    }

    @Test
    void wrongShapeNamesTensorFoundAndExpected() throws IOException {
        writeFolder(dir, original, "", false, SafetensorsDType.F32);
        Files.writeString(dir.resolve("config.json"), configJson(config).replace("\"intermediate_size\":32", "\"intermediate_size\":33"));
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> HfBertFolderLoader.load(dir));
        assertEquals(dir + ": model.safetensors: tensor 'encoder.layer.0.intermediate.dense.weight' has shape [32, 16], "
                + "expected [33, 16] from config.json", e.getMessage());
    }

    @Test
    void configWithFewerLayersThanTheWeightsIsRejected() throws IOException {
        writeFolder(dir, original, "", false, SafetensorsDType.F32);
        Files.writeString(dir.resolve("config.json"), configJson(config).replace("\"num_hidden_layers\":2", "\"num_hidden_layers\":1"));
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> HfBertFolderLoader.load(dir));
        assertTrue(e.getMessage().contains("declares 1 layers"), e.getMessage());
    }

    @Test
    void otherArchitecturesAndMissingFilesHaveClearErrors() throws IOException {
        writeFolder(dir, original, "", false, SafetensorsDType.F32);
        Files.writeString(dir.resolve("config.json"), configJson(config).replace("\"model_type\":\"bert\"", "\"model_type\":\"roberta\""));
        assertTrue(assertThrows(ModelFormatException.class, () -> HfBertFolderLoader.load(dir)).getMessage()
                .startsWith(dir + ": config.json has model_type 'roberta'"));
        Files.writeString(dir.resolve("config.json"), configJson(config));
        Files.delete(dir.resolve("model.safetensors"));
        Files.writeString(dir.resolve("pytorch_model.bin"), "x");
        assertTrue(assertThrows(ModelFormatException.class, () -> HfBertFolderLoader.load(dir)).getMessage()
                .contains("convert it with save_pretrained"));
        Files.delete(dir.resolve("tokenizer.json"));
        assertTrue(assertThrows(ModelFormatException.class, () -> HfBertFolderLoader.tokenizer(dir)).getMessage()
                .contains("has no tokenizer.json"));
        assertTrue(assertThrows(ModelFormatException.class, () -> HfBertFolderLoader.load(dir.resolve("nope")))
                .getMessage().contains("is not a folder"));
    }

    // ---- helpers ----

    static void assertSameWeights(BertWeights a, BertWeights b) {
        assertArrayEquals(a.wordEmbeddings(), b.wordEmbeddings(), "word embeddings");
        assertArrayEquals(a.positionEmbeddings(), b.positionEmbeddings(), "position embeddings");
        assertArrayEquals(a.tokenTypeEmbeddings(), b.tokenTypeEmbeddings(), "token type embeddings");
        assertSameNorm(a.embeddingNorm(), b.embeddingNorm(), "embedding norm");
        assertEquals(a.layers().size(), b.layers().size());
        for (int i = 0; i < a.layers().size(); i++) {
            BertWeights.Layer x = a.layers().get(i);
            BertWeights.Layer y = b.layers().get(i);
            String l = "layer " + i + " ";
            assertArrayEquals(x.queryWeight(), y.queryWeight(), l + "query");
            assertArrayEquals(x.queryBias(), y.queryBias(), l + "query bias");
            assertArrayEquals(x.keyWeight(), y.keyWeight(), l + "key");
            assertArrayEquals(x.keyBias(), y.keyBias(), l + "key bias");
            assertArrayEquals(x.valueWeight(), y.valueWeight(), l + "value");
            assertArrayEquals(x.valueBias(), y.valueBias(), l + "value bias");
            assertArrayEquals(x.attentionOutputWeight(), y.attentionOutputWeight(), l + "attention output");
            assertArrayEquals(x.attentionOutputBias(), y.attentionOutputBias(), l + "attention output bias");
            assertSameNorm(x.attentionNorm(), y.attentionNorm(), l + "attention norm");
            assertArrayEquals(x.upWeight(), y.upWeight(), l + "up");
            assertArrayEquals(x.upBias(), y.upBias(), l + "up bias");
            assertArrayEquals(x.downWeight(), y.downWeight(), l + "down");
            assertArrayEquals(x.downBias(), y.downBias(), l + "down bias");
            assertSameNorm(x.outputNorm(), y.outputNorm(), l + "output norm");
        }
    }

    private static void assertSameNorm(LayerNorm a, LayerNorm b, String what) {
        assertArrayEquals(a.gamma(), b.gamma(), what + " gamma");
        assertArrayEquals(a.beta(), b.beta(), what + " beta");
        assertEquals(a.eps(), b.eps(), what + " eps");
    }

    private static void assertSameEmbeddings(BertWeights a, BertWeights b) {
        int[][] ids = TestModels.ids(a.config().vocabSize(), 7);
        float[][] ea = Encoder.of(a).embed(ids);
        float[][] eb = Encoder.of(b).embed(ids);
        for (int s = 0; s < ids.length; s++) {
            assertArrayEquals(ea[s], eb[s], "embedding of sequence " + s);
        }
    }

    /** Writes {@code w} the way transformers' save_pretrained does: Linear weights [out x in]. */
    static void writeFolder(Path folder, BertWeights w, String prefix, boolean oldNormNames, SafetensorsDType dtype)
            throws IOException {
        BertConfig c = w.config();
        int d = c.hidden();
        int m = c.intermediate();
        SafetensorsWriter out = new SafetensorsWriter().metadata("format", "pt");
        String g = oldNormNames ? ".gamma" : ".weight";
        String b = oldNormNames ? ".beta" : ".bias";
        String p = prefix;
        out.add(p + "embeddings.word_embeddings.weight", dtype, w.wordEmbeddings(), c.vocabSize(), d);
        out.add(p + "embeddings.position_embeddings.weight", dtype, w.positionEmbeddings(), c.maxPositions(), d);
        out.add(p + "embeddings.token_type_embeddings.weight", dtype, w.tokenTypeEmbeddings(), c.typeVocabSize(), d);
        out.add(p + "embeddings.LayerNorm" + g, dtype, w.embeddingNorm().gamma(), d);
        out.add(p + "embeddings.LayerNorm" + b, dtype, w.embeddingNorm().beta(), d);
        // tensors a BERT checkpoint has and the encoder does not use
        out.addRaw(p + "embeddings.position_ids", SafetensorsDType.I64, new byte[8 * c.maxPositions()], 1, c.maxPositions());
        out.add(p + "pooler.dense.weight", dtype, new float[d * d], d, d);
        for (int i = 0; i < w.layers().size(); i++) {
            BertWeights.Layer l = w.layers().get(i);
            String q = p + "encoder.layer." + i + ".";
            out.add(q + "attention.self.query.weight", dtype, transpose(l.queryWeight(), d, d), d, d);
            out.add(q + "attention.self.query.bias", dtype, l.queryBias(), d);
            out.add(q + "attention.self.key.weight", dtype, transpose(l.keyWeight(), d, d), d, d);
            out.add(q + "attention.self.key.bias", dtype, l.keyBias(), d);
            out.add(q + "attention.self.value.weight", dtype, transpose(l.valueWeight(), d, d), d, d);
            out.add(q + "attention.self.value.bias", dtype, l.valueBias(), d);
            out.add(q + "attention.output.dense.weight", dtype, transpose(l.attentionOutputWeight(), d, d), d, d);
            out.add(q + "attention.output.dense.bias", dtype, l.attentionOutputBias(), d);
            out.add(q + "attention.output.LayerNorm" + g, dtype, l.attentionNorm().gamma(), d);
            out.add(q + "attention.output.LayerNorm" + b, dtype, l.attentionNorm().beta(), d);
            out.add(q + "intermediate.dense.weight", dtype, transpose(l.upWeight(), d, m), m, d);
            out.add(q + "intermediate.dense.bias", dtype, l.upBias(), m);
            out.add(q + "output.dense.weight", dtype, transpose(l.downWeight(), m, d), d, m);
            out.add(q + "output.dense.bias", dtype, l.downBias(), d);
            out.add(q + "output.LayerNorm" + g, dtype, l.outputNorm().gamma(), d);
            out.add(q + "output.LayerNorm" + b, dtype, l.outputNorm().beta(), d);
        }
        out.write(folder.resolve("model.safetensors"));
        Files.writeString(folder.resolve("config.json"), configJson(c));
        Files.writeString(folder.resolve("tokenizer.json"), "{\"version\":\"1.0\"}");
    }

    static String configJson(BertConfig c) {
        return "{\"architectures\":[\"BertModel\"],\"model_type\":\"bert\",\"hidden_act\":\"gelu\","
                + "\"hidden_size\":" + c.hidden() + ",\"num_hidden_layers\":" + c.layers()
                + ",\"num_attention_heads\":" + c.heads() + ",\"intermediate_size\":" + c.intermediate()
                + ",\"vocab_size\":" + c.vocabSize() + ",\"max_position_embeddings\":" + c.maxPositions()
                + ",\"type_vocab_size\":" + c.typeVocabSize() + ",\"layer_norm_eps\":1e-12"
                + ",\"position_embedding_type\":\"absolute\",\"torch_dtype\":\"float32\"}";
    }

    /** [rows x cols] -> [cols x rows] */
    static float[] transpose(float[] w, int rows, int cols) {
        float[] t = new float[w.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                t[c * rows + r] = w[r * cols + c];
            }
        }
        return t;
    }

    /** Rewrites model.safetensors without one tensor, copying the others byte for byte. */
    private static void rewriteWithout(Path folder, String name) throws IOException {
        Path f = folder.resolve("model.safetensors");
        SafetensorsWriter out = new SafetensorsWriter();
        try (SafetensorsFile in = SafetensorsFile.open(f)) {
            for (SafetensorsFile.TensorInfo t : in.tensors()) {
                if (!t.name().equals(name)) {
                    out.addRaw(t.name(), t.dtype(), in.bytes(t.name()), t.shape());
                }
            }
        }
        out.write(f);
    }
}
