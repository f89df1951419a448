package ffnkit.model;

import ffnkit.kernels.Activation;
import ffnkit.kernels.Parallel;

import java.util.ArrayList;
import java.util.List;

/**
 * A BERT encoder over packed sequences: the tokens of all texts of a batch are laid end to end
 * (no padding), attention stays inside each text, and every other operation works row by row, so
 * a text's embedding is the same alone or in any batch.
 */
public final class Encoder {

    // Per-thread workspaces shared by all encoders: a forward pass never runs inside another, so
    // reusing them saves allocating and zeroing ~10 MB per 8 x 128 batch on the calling thread.
    private static final Scratch QKV = new Scratch(Scratch.SHARED_MAX_KEPT);
    private static final Scratch CONTEXT = new Scratch(Scratch.SHARED_MAX_KEPT);
    private static final Scratch ATTENTION_OUT = new Scratch(Scratch.SHARED_MAX_KEPT);
    private static final Scratch FFN_OUT = new Scratch(Scratch.SHARED_MAX_KEPT);

    private final BertConfig config;
    private final float[] wordEmbeddings;
    private final float[] positionEmbeddings;
    private final float[] tokenTypeEmbeddings;
    private final LayerNorm embeddingNorm;
    private final List<EncoderLayer> layers;

    public Encoder(BertConfig config, float[] wordEmbeddings, float[] positionEmbeddings,
                   float[] tokenTypeEmbeddings, LayerNorm embeddingNorm, List<EncoderLayer> layers) {
        this.config = config;
        this.wordEmbeddings = wordEmbeddings;
        this.positionEmbeddings = positionEmbeddings;
        this.tokenTypeEmbeddings = tokenTypeEmbeddings;
        this.embeddingNorm = embeddingNorm;
        this.layers = List.copyOf(layers);
    }

    public static Encoder of(BertWeights w) {
        w.validate();
        BertConfig c = w.config();
        List<EncoderLayer> layers = new ArrayList<>();
        for (BertWeights.Layer l : w.layers()) {
            layers.add(EncoderLayer.of(l, c.hidden(), c.intermediate(), Activation.GELU));
        }
        return new Encoder(c, w.wordEmbeddings(), w.positionEmbeddings(), w.tokenTypeEmbeddings(),
                w.embeddingNorm(), layers);
    }

    public BertConfig config() {
        return config;
    }

    /** The same weights and slots under another config (e.g. a different truncation length). */
    public Encoder withConfig(BertConfig other) {
        return new Encoder(other, wordEmbeddings, positionEmbeddings, tokenTypeEmbeddings, embeddingNorm, layers);
    }

    public List<EncoderLayer> layers() {
        return layers;
    }

    public float[] wordEmbeddings() {
        return wordEmbeddings;
    }

    public float[] positionEmbeddings() {
        return positionEmbeddings;
    }

    public float[] tokenTypeEmbeddings() {
        return tokenTypeEmbeddings;
    }

    public LayerNorm embeddingNorm() {
        return embeddingNorm;
    }

    /** Token states [sum of lengths x d] of the last layer, sequences end to end. */
    public float[] hiddenStates(int[][] ids) {
        return hiddenStates(ids, null);
    }

    public float[] hiddenStates(int[][] ids, FfnObserver observer) {
        int sequences = ids.length;
        int[] len = new int[sequences];
        for (int s = 0; s < sequences; s++) {
            if (ids[s].length == 0) {
                throw new IllegalArgumentException("sequence " + s + " has no tokens");
            }
            if (ids[s].length > config.maxPositions()) {
                throw new IllegalArgumentException("sequence " + s + " has " + ids[s].length
                        + " tokens, the model has " + config.maxPositions() + " positions");
            }
            len[s] = ids[s].length;
        }
        checkBatchFits(len);
        Parallel pool = Parallel.shared();
        int[] cuts = observer == null ? SequenceGroups.balanced(len, pool.threads()) : null;
        if (cuts == null) {
            return forward(ids, observer);
        }
        // One group of whole sequences per thread, each run through all layers on its own: the
        // kernels inside run single-threaded (regions do not nest), so there is no barrier between
        // kernels and each thread's activations stay in its own caches.
        int d = config.hidden();
        int[] rowStart = new int[sequences + 1];
        for (int s = 0; s < sequences; s++) {
            rowStart[s + 1] = rowStart[s] + len[s];
        }
        float[] x = new float[rowStart[sequences] * d];
        pool.forEach(cuts.length - 1, g -> {
            float[] part = forward(java.util.Arrays.copyOfRange(ids, cuts[g], cuts[g + 1]), null);
            System.arraycopy(part, 0, x, rowStart[cuts[g]] * d, part.length);
        });
        return x;
    }

    /**
     * Activations of a batch live in Java arrays (at most 2^31 - 1 elements): the widest one holds
     * tokens x max(3 d, FFN width) floats. A batch beyond that is refused here, with the fix, before
     * an index overflows into a negative array size somewhere inside a kernel.
     */
    private void checkBatchFits(int[] len) {
        long tokens = 0;
        for (int n : len) {
            tokens += n;
        }
        long widest = Math.max(3L * config.hidden(), config.intermediate());
        long maxTokens = (Integer.MAX_VALUE - 8) / widest;
        if (tokens > maxTokens) {
            throw new IllegalArgumentException("a batch of " + len.length + " texts has " + tokens
                    + " tokens, more than one forward pass can hold (" + maxTokens + "): pass fewer texts at once");
        }
    }

    /** The layers over one packed batch, each kernel parallel over the shared pool. */
    private float[] forward(int[][] ids, FfnObserver observer) {
        int d = config.hidden();
        int sequences = ids.length;
        int[] start = new int[sequences];
        int[] len = new int[sequences];
        int tokens = 0;
        for (int s = 0; s < sequences; s++) {
            start[s] = tokens;
            len[s] = ids[s].length;
            tokens += len[s];
        }
        float[] x = embed(ids, tokens);
        float[] qkv = QKV.get(tokens * 3 * d);
        float[] ctx = CONTEXT.get(tokens * d);
        float[] attn = ATTENTION_OUT.get(tokens * d);
        float[] ffn = FFN_OUT.get(tokens * d);
        for (int li = 0; li < layers.size(); li++) {
            EncoderLayer layer = layers.get(li);
            layer.qkv().forward(x, tokens, qkv);
            Attention.forward(qkv, start, len, config.heads(), d, ctx);
            layer.attentionOutput().forward(ctx, tokens, Activation.NONE, x, attn);
            layer.attentionNorm().apply(attn, null, tokens, attn);
            if (observer != null) {
                observer.observe(li, attn, tokens);
            }
            layer.feedForward().forward(attn, tokens, ffn);
            layer.outputNorm().apply(ffn, attn, tokens, x);
        }
        return x;
    }

    /** Sentence embeddings [sequences][d]: pooled, and L2-normalised when the model prescribes it. */
    public float[][] embed(int[][] ids) {
        return pool(ids, hiddenStates(ids));
    }

    public float[][] pool(int[][] ids, float[] states) {
        int d = config.hidden();
        float[][] out = new float[ids.length][d];
        int[] offset = new int[ids.length];
        for (int s = 1; s < ids.length; s++) {
            offset[s] = offset[s - 1] + ids[s - 1].length;
        }
        Parallel.shared().forEach(ids.length, s -> poolOne(states, offset[s], ids[s].length, out[s]));
        return out;
    }

    private void poolOne(float[] states, int offset, int n, float[] e) {
        int d = e.length;
        if (config.pooling() == Pooling.CLS) {
            System.arraycopy(states, offset * d, e, 0, d);
        } else {
            double[] sum = new double[d];
            for (int t = 0; t < n; t++) {
                for (int i = 0; i < d; i++) {
                    sum[i] += states[(offset + t) * d + i];
                }
            }
            for (int i = 0; i < d; i++) {
                e[i] = (float) (sum[i] / n);
            }
        }
        if (config.normalize()) {
            double norm = 0;
            for (float v : e) {
                norm += (double) v * v;
            }
            float inv = (float) (1.0 / Math.max(Math.sqrt(norm), 1e-12));
            for (int i = 0; i < d; i++) {
                e[i] *= inv;
            }
        }
    }

    private float[] embed(int[][] ids, int tokens) {
        int d = config.hidden();
        float[] x = new float[tokens * d];
        int[] rowStart = new int[ids.length];
        for (int s = 1; s < ids.length; s++) {
            rowStart[s] = rowStart[s - 1] + ids[s - 1].length;
        }
        Parallel.shared().forEach(ids.length, s -> {
            for (int t = 0; t < ids[s].length; t++) {
                int id = ids[s][t];
                if (id < 0 || id >= config.vocabSize()) {
                    throw new IllegalArgumentException("token id " + id + " is outside the vocabulary of "
                            + config.vocabSize());
                }
                int off = (rowStart[s] + t) * d;
                for (int i = 0; i < d; i++) {
                    x[off + i] = (wordEmbeddings[id * d + i] + tokenTypeEmbeddings[i]) + positionEmbeddings[t * d + i];
                }
            }
        });
        embeddingNorm.apply(x, null, tokens, x);
        return x;
    }
}
