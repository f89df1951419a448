package ffnkit.model;

import ffnkit.kernels.Activation;
import ffnkit.kernels.GemmReference;
import ffnkit.kernels.Parallel;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * The encoder built on the fast kernels against the same computation on the reference kernels
 * (double-accumulating GEMM, triple-loop attention, double LayerNorm): guards the wiring of the
 * strided/fused kernels into the layer, not just each kernel alone.
 */
class EncoderKernelsTest {

    @Test
    void fastEncoderMatchesReferenceKernels() {
        Random rnd = new Random(21);
        BertWeights weights = smallModel(40, rnd);
        int[][] ids = randomIds(new int[] {3, 1, 33, 17}, rnd);
        float[] fast = Encoder.of(weights).hiddenStates(ids);
        float[] slow = reference(weights, ids);
        for (int i = 0; i < fast.length; i++) {
            assertEquals(slow[i], fast[i], 1e-4, "hidden state " + i);
        }
    }

    /** Whole sequences per thread (SequenceGroups) and kernels split across threads give the same states. */
    @Test
    void sequenceParallelPathMatchesReference() {
        Random rnd = new Random(5);
        BertWeights weights = smallModel(48, rnd);
        int[] lengths = {30, 35, 25, 40, 28, 32};
        int[][] ids = randomIds(lengths, rnd);
        assertNotNull(SequenceGroups.balanced(lengths, 2), "batch must take the grouped path");
        float[] slow = reference(weights, ids);
        int before = Parallel.shared().threads();
        try {
            Parallel.setThreads(2);
            Encoder encoder = Encoder.of(weights);
            float[] grouped = encoder.hiddenStates(ids);
            // An observer forces the kernel-parallel path (observers are not thread-safe).
            float[] split = encoder.hiddenStates(ids, (layer, x, rows) -> { });
            for (int i = 0; i < slow.length; i++) {
                assertEquals(slow[i], grouped[i], 1e-4, "grouped, hidden state " + i);
                assertEquals(slow[i], split[i], 1e-4, "split kernels, hidden state " + i);
            }
        } finally {
            Parallel.setThreads(before);
        }
    }

    /** 2^31 / 256 floats of FFN activations is the most one pass can hold at width 256. */
    @Test
    void batchTooLargeForOnePassIsRefusedBeforeAnyWork() {
        Encoder encoder = Encoder.of(smallModel(40, new Random(3)));
        int[] row = new int[40];
        int fits = (Integer.MAX_VALUE - 8) / 256 / 40;
        int[][] ids = new int[fits + 1][];
        java.util.Arrays.fill(ids, row);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> encoder.hiddenStates(ids));
        assertEquals("a batch of " + (fits + 1) + " texts has " + 40L * (fits + 1) + " tokens, more than one forward"
                + " pass can hold (" + (Integer.MAX_VALUE - 8) / 256 + "): pass fewer texts at once", e.getMessage());
    }

    /** Two layers, d 64, 4 heads, width 256, vocabulary 50: big enough for several kernel tiles. */
    private static BertWeights smallModel(int positions, Random rnd) {
        BertConfig config = new BertConfig(50, 64, 2, 4, 256, positions, 2, 1e-12f, Pooling.MEAN, true, positions);
        return RandomWeights.fanInScaled(config, rnd);
    }

    private static int[][] randomIds(int[] lengths, Random rnd) {
        int[][] ids = new int[lengths.length][];
        for (int s = 0; s < ids.length; s++) {
            ids[s] = new int[lengths[s]];
            for (int t = 0; t < lengths[s]; t++) {
                ids[s][t] = rnd.nextInt(50);
            }
        }
        return ids;
    }

    private static float[] reference(BertWeights w, int[][] ids) {
        BertConfig c = w.config();
        int d = c.hidden(), m = c.intermediate();
        int tokens = 0;
        int[] start = new int[ids.length], len = new int[ids.length];
        for (int s = 0; s < ids.length; s++) {
            start[s] = tokens;
            len[s] = ids[s].length;
            tokens += len[s];
        }
        float[] x = new float[tokens * d];
        for (int s = 0; s < ids.length; s++) {
            for (int t = 0; t < len[s]; t++) {
                for (int i = 0; i < d; i++) {
                    x[(start[s] + t) * d + i] = (w.wordEmbeddings()[ids[s][t] * d + i] + w.tokenTypeEmbeddings()[i])
                            + w.positionEmbeddings()[t * d + i];
                }
            }
        }
        x = ln(x, null, tokens, w.embeddingNorm());
        for (BertWeights.Layer l : w.layers()) {
            float[] q = new float[tokens * d], k = new float[tokens * d], v = new float[tokens * d];
            GemmReference.matmul(x, tokens, d, l.queryWeight(), d, l.queryBias(), Activation.NONE, null, q);
            GemmReference.matmul(x, tokens, d, l.keyWeight(), d, l.keyBias(), Activation.NONE, null, k);
            GemmReference.matmul(x, tokens, d, l.valueWeight(), d, l.valueBias(), Activation.NONE, null, v);
            float[] qkv = new float[tokens * 3 * d];
            for (int t = 0; t < tokens; t++) {
                System.arraycopy(q, t * d, qkv, t * 3 * d, d);
                System.arraycopy(k, t * d, qkv, t * 3 * d + d, d);
                System.arraycopy(v, t * d, qkv, t * 3 * d + 2 * d, d);
            }
            double[] ctxD = AttentionTest.reference(qkv, start, len, c.heads(), d);
            float[] ctx = new float[ctxD.length];
            for (int i = 0; i < ctx.length; i++) {
                ctx[i] = (float) ctxD[i];
            }
            float[] attn = new float[tokens * d];
            GemmReference.matmul(ctx, tokens, d, l.attentionOutputWeight(), d, l.attentionOutputBias(),
                    Activation.NONE, x, attn);
            attn = ln(attn, null, tokens, l.attentionNorm());
            float[] hidden = new float[tokens * m];
            GemmReference.matmul(attn, tokens, d, l.upWeight(), m, l.upBias(), Activation.GELU, null, hidden);
            float[] ffn = new float[tokens * d];
            GemmReference.matmul(hidden, tokens, m, l.downWeight(), d, l.downBias(), Activation.NONE, null, ffn);
            x = ln(ffn, attn, tokens, l.outputNorm());
        }
        return x;
    }

    private static float[] ln(float[] x, float[] res, int rows, LayerNorm n) {
        double[] r = LayerNormTest.reference(x, res, rows, n.gamma(), n.beta(), n.eps());
        float[] out = new float[r.length];
        for (int i = 0; i < r.length; i++) {
            out[i] = (float) r[i];
        }
        return out;
    }
}
