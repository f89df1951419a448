package ffnkit.io;

import ffnkit.io.OnnxModel.Node;
import ffnkit.io.OnnxModel.Tensor;
import ffnkit.model.BertConfig;
import ffnkit.model.BertWeights;
import ffnkit.model.LayerNorm;
import ffnkit.model.Pooling;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Maps an exported BERT encoder (ONNX) onto {@link BertWeights} by the structure of its graph,
 * not by tensor names: starting from the graph output it recognises LayerNorm, linear layers,
 * the attention block and the erf GELU by their operators and data flow, layer by layer back to
 * the embeddings. fp32 exports (MatMul) and dynamically quantised int8 exports (MatMulInteger,
 * DequantizeLinear) are both understood; int8 weights are dequantised to fp32 here.
 *
 * <p>Whatever is not understood fails with the node and operator named.
 */
public final class OnnxBertLoader {

    private static final Set<String> SHAPE_OPS = Set.of("Reshape", "Transpose", "Identity", "Squeeze", "Unsqueeze");
    private static final Set<String> ELEMENTWISE_OPS = Set.of("Mul", "Div", "Add", "Sub", "Erf", "Pow", "Sqrt", "Cast");

    private final OnnxModel model;
    private final String source;
    private final Map<String, Node> producer = new HashMap<>();
    private final Map<String, Tensor> constants = new HashMap<>();

    private OnnxBertLoader(OnnxModel model, String source) {
        this.model = model;
        this.source = source;
        constants.putAll(model.initializers());
        for (Node n : model.nodes()) {
            for (String out : n.outputs()) {
                producer.put(out, n);
            }
            if (n.opType().equals("Constant") && n.attributes().containsKey("value") && n.attributes().get("value").t() != null) {
                constants.put(n.outputs().get(0), n.attributes().get("value").t());
            }
        }
    }

    /** What the loader learned about the graph besides the weights: the names of its inputs. */
    public record Loaded(BertWeights weights, String inputIds, String attentionMask, String tokenTypeIds) {
    }

    public static Loaded load(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new ModelFormatException("model file not found: " + file);
        } catch (IOException e) {
            throw new ModelFormatException("cannot read model file " + file + ": " + e.getMessage(), e);
        }
        return load(bytes, file.toString());
    }

    public static Loaded load(byte[] bytes, String source) {
        OnnxModel model = OnnxModel.parse(bytes, source);
        return new OnnxBertLoader(model, source).map();
    }

    // ---- recognised building blocks -------------------------------------------------------

    private record LinearMatch(String input, float[] weight, int in, int out, float[] bias) {
    }

    private record NormMatch(String input, LayerNorm norm) {
    }

    private record EmbeddingMatch(float[] table, int rows, int cols, String indices) {
    }

    private Loaded map() {
        String output = null;
        for (String o : model.outputs()) {
            if (matchLayerNorm(o) != null) {
                output = o;
                break;
            }
        }
        if (output == null) {
            throw unsupported("no graph output is produced by a LayerNorm (outputs: " + model.outputs()
                    + "); ffnkit expects a BERT encoder whose output is last_hidden_state");
        }
        List<BertWeights.Layer> layers = new ArrayList<>();
        int heads = -1;
        String hidden = output;
        NormMatch embeddingNorm;
        while (true) {
            NormMatch ln2 = matchLayerNorm(hidden);
            Node add2 = producer.get(ln2.input());
            if (add2 == null || !add2.opType().equals("Add")) {
                // Not a residual sum: this LayerNorm is the embeddings' one.
                embeddingNorm = ln2;
                break;
            }
            LayerResult layer = matchLayer(hidden, ln2);
            if (layer == null) {
                embeddingNorm = ln2;
                break;
            }
            if (heads != -1 && heads != layer.heads) {
                throw unsupported("layers disagree on the number of attention heads (" + heads + " vs " + layer.heads + ")");
            }
            heads = layer.heads;
            layers.add(layer.weights);
            hidden = layer.input;
        }
        if (layers.isEmpty()) {
            throw unsupported("no transformer layer was recognised before the output LayerNorm");
        }
        Collections.reverse(layers);
        return mapEmbeddings(embeddingNorm, layers, heads);
    }

    private record LayerResult(BertWeights.Layer weights, String input, int heads) {
    }

    /** One post-LN BERT layer ending at {@code output} = LN2(FFN(h1) + h1), h1 = LN1(Attn(x) + x). */
    private LayerResult matchLayer(String output, NormMatch ln2) {
        Node add2 = producer.get(ln2.input());
        NormMatch ln1 = null;
        String ln1Value = null;
        String ffnValue = null;
        for (int i = 0; i < 2; i++) {
            NormMatch m = matchLayerNorm(add2.input(i));
            if (m != null) {
                ln1 = m;
                ln1Value = add2.input(i);
                ffnValue = add2.input(1 - i);
            }
        }
        if (ln1 == null) {
            return null;
        }
        LinearMatch down = matchLinear(ffnValue);
        if (down == null) {
            throw unsupported("the FFN output of " + describe(ffnValue) + " is not a linear layer (MatMul + bias)");
        }
        boolean[] erf = new boolean[1];
        LinearMatch up = findLinearUpstream(down.input(), erf, 0);
        if (up == null) {
            throw unsupported("the FFN activation before " + describe(down.input()) + " is not understood");
        }
        if (!erf[0]) {
            throw unsupported("the FFN activation feeding " + describe(down.input())
                    + " is not the exact erf GELU (tanh and other approximations are not supported)");
        }
        if (!up.input().equals(ln1Value)) {
            throw unsupported("the FFN input " + describe(up.input()) + " is not the attention LayerNorm output");
        }
        Node add1 = producer.get(ln1.input());
        if (add1 == null || !add1.opType().equals("Add")) {
            throw unsupported("the attention LayerNorm input " + describe(ln1.input()) + " is not a residual sum");
        }
        for (int i = 0; i < 2; i++) {
            LinearMatch attnOut = matchLinear(add1.input(i));
            if (attnOut == null) {
                continue;
            }
            String x = add1.input(1 - i);
            Attention att = matchAttention(attnOut.input(), x);
            if (att == null) {
                continue;
            }
            int d = attnOut.out();
            BertWeights.Layer w = new BertWeights.Layer(att.q.weight(), att.q.bias(), att.k.weight(), att.k.bias(),
                    att.v.weight(), att.v.bias(), attnOut.weight(), attnOut.bias(), ln1.norm(),
                    up.weight(), up.bias(), down.weight(), down.bias(), ln2.norm());
            if (d != att.q.out()) {
                throw unsupported("attention output size " + d + " differs from the query size " + att.q.out());
            }
            return new LayerResult(w, x, att.heads);
        }
        throw unsupported("the residual sum " + describe(ln1.input()) + " does not combine an attention block with its input");
    }

    private record Attention(LinearMatch q, LinearMatch k, LinearMatch v, int heads) {
    }

    /** ctx = softmax(q·kᵀ·scale + mask)·v, merged back from heads; q, k, v linear maps of {@code x}. */
    private Attention matchAttention(String context, String x) {
        Node av = producer.get(skipShapeOps(context));
        if (av == null || !av.opType().equals("MatMul")) {
            return null;
        }
        Node softmax = producer.get(av.input(0));
        if (softmax == null || !softmax.opType().equals("Softmax")) {
            return null;
        }
        LinearMatch v = matchLinear(skipShapeOps(av.input(1)));
        double[] scale = {1.0};
        Node qk = scoresMatMul(softmax.input(0), scale, 0);
        if (qk == null) {
            throw unsupported("the attention scores feeding " + softmax.describe() + " are not q·kᵀ (scaled, masked)");
        }
        LinearMatch q = scaledLinear(qk.input(0), scale);
        LinearMatch k = scaledLinear(qk.input(1), scale);
        if (q == null || k == null || v == null) {
            throw unsupported("query, key or value of " + softmax.describe() + " is not a linear layer");
        }
        if (!q.input().equals(x) || !k.input().equals(x) || !v.input().equals(x)) {
            throw unsupported("query, key and value of " + softmax.describe() + " do not all read the layer input");
        }
        int d = q.out();
        int heads = headsFromReshape(qk.input(0));
        if (heads <= 0) {
            // No constant reshape: the scale 1/sqrt(head_dim) still tells the head size.
            heads = (int) Math.round(d * scale[0] * scale[0]);
        }
        if (heads <= 0 || d % heads != 0) {
            throw unsupported("cannot tell the number of attention heads of " + softmax.describe());
        }
        double expected = 1.0 / Math.sqrt(d / heads);
        if (Math.abs(scale[0] - expected) > 1e-3 * expected) {
            throw unsupported("attention scale " + scale[0] + " of " + softmax.describe() + " is not 1/sqrt(head dim) = " + expected);
        }
        return new Attention(q, k, v, heads);
    }

    /** Walks back from the softmax input over the mask Add and scalar scalings to the q·kᵀ MatMul. */
    private Node scoresMatMul(String value, double[] scale, int depth) {
        Node n = producer.get(value);
        if (n == null || depth > 6) {
            return null;
        }
        switch (n.opType()) {
            case "MatMul":
                return n;
            case "Div", "Mul": {
                Float c = scalar(n.input(1));
                if (c == null) {
                    return null;
                }
                scale[0] = n.opType().equals("Div") ? scale[0] / c : scale[0] * c;
                return scoresMatMul(n.input(0), scale, depth + 1);
            }
            case "Add": {
                // One side is the additive padding mask; the scores are on the side leading to a MatMul.
                for (int i = 0; i < 2; i++) {
                    double[] s = {scale[0]};
                    Node m = scoresMatMul(n.input(i), s, depth + 1);
                    if (m != null) {
                        scale[0] = s[0];
                        return m;
                    }
                }
                return null;
            }
            default:
                return null;
        }
    }

    /** A linear layer seen through reshapes/transposes and optional scalar scalings (folded into scale). */
    private LinearMatch scaledLinear(String value, double[] scale) {
        String v = skipShapeOps(value);
        Node n = producer.get(v);
        while (n != null && (n.opType().equals("Div") || n.opType().equals("Mul")) && scalar(n.input(1)) != null) {
            float c = scalar(n.input(1));
            scale[0] = n.opType().equals("Div") ? scale[0] / c : scale[0] * c;
            v = skipShapeOps(n.input(0));
            n = producer.get(v);
        }
        return matchLinear(v);
    }

    /** Heads from the [batch, seq, heads, head_dim] Reshape on the query path; -1 if not constant. */
    private int headsFromReshape(String value) {
        String v = value;
        while (producer.containsKey(v) && SHAPE_OPS.contains(producer.get(v).opType())) {
            Node n = producer.get(v);
            if (n.opType().equals("Reshape")) {
                long[] shape = constantShape(n.input(1));
                if (shape != null && shape.length == 4 && shape[2] > 0) {
                    return (int) shape[2];
                }
            }
            v = n.input(0);
        }
        return -1;
    }

    private long[] constantShape(String value) {
        Tensor t = constants.get(value);
        if (t != null) {
            return t.integers();
        }
        Node n = producer.get(value);
        if (n == null || !n.opType().equals("Concat")) {
            return null;
        }
        long[] shape = new long[n.inputs().size()];
        for (int i = 0; i < shape.length; i++) {
            Tensor c = constants.get(n.input(i));
            shape[i] = c == null ? -1 : c.integers()[0];
        }
        return shape;
    }

    // ---- linear layers -------------------------------------------------------------------

    /** y = x·W + b as MatMul + Add, Gemm, or the int8 MatMulInteger pattern; null if not a linear. */
    private LinearMatch matchLinear(String value) {
        Node n = producer.get(value);
        if (n == null) {
            return null;
        }
        if (n.opType().equals("Gemm")) {
            return matchGemm(n);
        }
        if (!n.opType().equals("Add")) {
            return null;
        }
        for (int i = 0; i < 2; i++) {
            Tensor bias = constants.get(n.input(i));
            if (bias == null || bias.dims().length != 1 || bias.dataType() != Tensor.FLOAT) {
                continue;
            }
            Weight w = matmulWeight(n.input(1 - i));
            if (w == null) {
                continue;
            }
            float[] b = bias.floats();
            if (b.length != w.out) {
                throw unsupported("bias " + bias.name() + " has " + b.length + " values but its MatMul has " + w.out + " outputs");
            }
            return new LinearMatch(w.input, w.values, w.in, w.out, b);
        }
        return null;
    }

    private record Weight(String input, float[] values, int in, int out) {
    }

    private Weight matmulWeight(String value) {
        Node n = producer.get(value);
        if (n == null) {
            return null;
        }
        if (n.opType().equals("MatMul")) {
            Tensor w = constants.get(n.input(1));
            if (w == null || w.dims().length != 2) {
                return null;
            }
            return new Weight(n.input(0), w.floats(), (int) w.dims()[0], (int) w.dims()[1]);
        }
        if (n.opType().equals("Mul")) {
            // Dynamic int8: Mul(Cast(MatMulInteger(DynamicQuantizeLinear(x), Wq, x_zp, w_zp)), x_scale·w_scale)
            for (int i = 0; i < 2; i++) {
                Node cast = producer.get(n.input(i));
                Node scales = producer.get(n.input(1 - i));
                if (cast == null || !cast.opType().equals("Cast") || scales == null || !scales.opType().equals("Mul")) {
                    continue;
                }
                Node mmi = producer.get(cast.input(0));
                if (mmi == null || !mmi.opType().equals("MatMulInteger")) {
                    continue;
                }
                Node dql = producer.get(mmi.input(0));
                if (dql == null || !dql.opType().equals("DynamicQuantizeLinear")) {
                    throw unsupported(mmi.describe() + " does not quantise its input with DynamicQuantizeLinear");
                }
                Tensor wScale = null;
                for (String s : scales.inputs()) {
                    if (constants.containsKey(s)) {
                        wScale = constants.get(s);
                    }
                }
                Tensor wq = constants.get(mmi.input(1));
                Tensor wzp = mmi.inputs().size() > 3 ? constants.get(mmi.input(3)) : null;
                if (wq == null || wScale == null || wq.dims().length != 2) {
                    throw unsupported(mmi.describe() + " has no constant int8 weight and scale");
                }
                return new Weight(dql.input(0), dequantizeColumns(wq, wScale, wzp), (int) wq.dims()[0], (int) wq.dims()[1]);
            }
        }
        return null;
    }

    /** (q - zero_point)·scale with a scale and zero point per output column or one for the whole matrix. */
    private static float[] dequantizeColumns(Tensor q, Tensor scale, Tensor zeroPoint) {
        int rows = (int) q.dims()[0];
        int cols = (int) q.dims()[1];
        long[] values = q.integers();
        float[] s = scale.floats();
        long[] zp = zeroPoint == null ? new long[] {0} : zeroPoint.integers();
        if ((s.length != 1 && s.length != cols) || (zp.length != 1 && zp.length != cols)) {
            throw new ModelFormatException("quantised weight " + q.name() + " has " + s.length + " scales for " + cols
                    + " columns: only per-tensor and per-column quantisation are supported");
        }
        float[] out = new float[rows * cols];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                float sc = s.length == 1 ? s[0] : s[c];
                long z = zp.length == 1 ? zp[0] : zp[c];
                out[r * cols + c] = (values[r * cols + c] - z) * sc;
            }
        }
        return out;
    }

    private LinearMatch matchGemm(Node n) {
        Tensor w = constants.get(n.input(1));
        Tensor b = constants.get(n.input(2));
        if (w == null || w.dims().length != 2) {
            return null;
        }
        long transB = n.attributes().containsKey("transB") ? n.attributes().get("transB").i() : 0;
        float[] values = w.floats();
        int r = (int) w.dims()[0];
        int c = (int) w.dims()[1];
        if (transB == 1) {
            float[] t = new float[values.length];
            for (int i = 0; i < r; i++) {
                for (int j = 0; j < c; j++) {
                    t[j * r + i] = values[i * c + j];
                }
            }
            values = t;
            int tmp = r;
            r = c;
            c = tmp;
        }
        return new LinearMatch(n.input(0), values, r, c, b == null ? new float[c] : b.floats());
    }

    /** Walks back over elementwise ops (the GELU) to the unique linear layer they read; notes an Erf. */
    private LinearMatch findLinearUpstream(String value, boolean[] erf, int depth) {
        LinearMatch direct = matchLinear(value);
        if (direct != null) {
            return direct;
        }
        Node n = producer.get(value);
        if (n == null || depth > 8) {
            return null;
        }
        if (n.opType().equals("Gelu")) {
            erf[0] = !"tanh".equals(attributeString(n));
            return matchLinear(n.input(0));
        }
        if (!ELEMENTWISE_OPS.contains(n.opType())) {
            return null;
        }
        if (n.opType().equals("Erf")) {
            erf[0] = true;
        }
        LinearMatch found = null;
        for (String in : n.inputs()) {
            if (constants.containsKey(in)) {
                continue;
            }
            LinearMatch m = findLinearUpstream(in, erf, depth + 1);
            if (m == null) {
                return null;
            }
            if (found != null && !found.input().equals(m.input())) {
                return null;
            }
            found = m;
        }
        return found;
    }

    private static String attributeString(Node n) {
        return n.attributes().containsKey("approximate") ? "tanh" : "none";
    }

    // ---- LayerNorm ------------------------------------------------------------------------

    /**
     * LayerNormalization, or its decomposed export:
     * Add(Mul(Div(Sub(x, ReduceMean(x)), Sqrt(Add(ReduceMean(Pow(Sub(...), 2)), eps))), gamma), beta).
     */
    private NormMatch matchLayerNorm(String value) {
        Node n = producer.get(value);
        if (n == null) {
            return null;
        }
        if (n.opType().equals("LayerNormalization")) {
            Tensor g = constants.get(n.input(1));
            Tensor b = constants.get(n.input(2));
            float eps = n.attributes().containsKey("epsilon") ? n.attributes().get("epsilon").f() : 1e-5f;
            if (g == null) {
                return null;
            }
            float[] gamma = g.floats();
            return new NormMatch(n.input(0), new LayerNorm(gamma, b == null ? new float[gamma.length] : b.floats(), eps));
        }
        if (!n.opType().equals("Add")) {
            return null;
        }
        for (int i = 0; i < 2; i++) {
            Tensor beta = constants.get(n.input(i));
            Node mul = producer.get(n.input(1 - i));
            if (beta == null || mul == null || !mul.opType().equals("Mul")) {
                continue;
            }
            for (int j = 0; j < 2; j++) {
                Tensor gamma = constants.get(mul.input(j));
                Node div = producer.get(mul.input(1 - j));
                if (gamma == null || div == null || !div.opType().equals("Div")) {
                    continue;
                }
                Node sub = producer.get(div.input(0));
                Node sqrt = producer.get(div.input(1));
                if (sub == null || !sub.opType().equals("Sub") || sqrt == null || !sqrt.opType().equals("Sqrt")) {
                    continue;
                }
                Node mean = producer.get(sub.input(1));
                if (mean == null || !mean.opType().equals("ReduceMean") || !mean.input(0).equals(sub.input(0))) {
                    continue;
                }
                Node addEps = producer.get(sqrt.input(0));
                if (addEps == null || !addEps.opType().equals("Add")) {
                    continue;
                }
                Float eps = scalar(addEps.input(1));
                if (eps == null) {
                    eps = scalar(addEps.input(0));
                }
                if (eps == null) {
                    continue;
                }
                float[] g = gamma.floats();
                float[] b = beta.floats();
                if (g.length != b.length) {
                    throw unsupported("LayerNorm at " + n.describe() + " has " + g.length + " scales but " + b.length + " shifts");
                }
                return new NormMatch(sub.input(0), new LayerNorm(g, b, eps));
            }
        }
        return null;
    }

    // ---- embeddings -----------------------------------------------------------------------

    private Loaded mapEmbeddings(NormMatch norm, List<BertWeights.Layer> layers, int heads) {
        List<EmbeddingMatch> tables = new ArrayList<>();
        collectEmbeddings(norm.input(), tables, 0);
        EmbeddingMatch word = null;
        EmbeddingMatch position = null;
        EmbeddingMatch type = null;
        for (EmbeddingMatch t : tables) {
            boolean fromInput = model.inputs().contains(t.indices());
            if (!fromInput) {
                if (position != null) {
                    throw unsupported("two embedding tables are indexed by computed ids: " + t.indices() + ", " + position.indices());
                }
                checkPositionIds(t.indices());
                position = t;
            } else if (word == null || t.rows() > word.rows()) {
                if (word != null) {
                    type = word;
                }
                word = t;
            } else {
                type = t;
            }
        }
        if (word == null || position == null) {
            throw unsupported("the embeddings before " + describe(norm.input())
                    + " are not word + position (+ token type) lookups");
        }
        int d = word.cols();
        float[] typeTable = type == null ? new float[d] : type.table();
        int typeRows = type == null ? 1 : type.rows();
        int m = layers.get(0).upBias().length;
        String mask = null;
        for (String in : model.inputs()) {
            if (!in.equals(word.indices()) && (type == null || !in.equals(type.indices()))) {
                mask = in;
            }
        }
        BertConfig config = new BertConfig(word.rows(), d, layers.size(), heads, m, position.rows(), typeRows,
                norm.norm().eps(), Pooling.MEAN, true, Math.min(512, position.rows()));
        BertWeights w = new BertWeights(config, word.table(), position.table(), typeTable, norm.norm(), layers);
        try {
            w.validate();
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(source + ": " + e.getMessage());
        }
        return new Loaded(w, word.indices(), mask, type == null ? null : type.indices());
    }

    private void collectEmbeddings(String value, List<EmbeddingMatch> out, int depth) {
        Node n = producer.get(value);
        if (n == null || depth > 6) {
            throw unsupported("embedding sum input " + value + " is not understood");
        }
        switch (n.opType()) {
            case "Add" -> {
                collectEmbeddings(n.input(0), out, depth + 1);
                collectEmbeddings(n.input(1), out, depth + 1);
            }
            case "Gather" -> out.add(gatherTable(n, null));
            case "DequantizeLinear" -> {
                Node g = producer.get(n.input(0));
                if (g == null || !g.opType().equals("Gather")) {
                    throw unsupported(n.describe() + " does not dequantise an embedding lookup");
                }
                out.add(gatherTable(g, n));
            }
            default -> throw unsupported(n.describe() + " in the embedding sum is not understood");
        }
    }

    private EmbeddingMatch gatherTable(Node gather, Node dequantize) {
        Tensor t = constants.get(gather.input(0));
        if (t == null || t.dims().length != 2) {
            throw unsupported(gather.describe() + " does not read a constant embedding table");
        }
        int rows = (int) t.dims()[0];
        int cols = (int) t.dims()[1];
        float[] values;
        if (dequantize == null) {
            values = t.floats();
        } else {
            float scale = constants.get(dequantize.input(1)).floats()[0];
            long zp = dequantize.inputs().size() > 2 && constants.containsKey(dequantize.input(2))
                    ? constants.get(dequantize.input(2)).integers()[0] : 0;
            long[] q = t.integers();
            values = new float[q.length];
            for (int i = 0; i < q.length; i++) {
                values[i] = (q[i] - zp) * scale;
            }
        }
        return new EmbeddingMatch(values, rows, cols, gather.input(1));
    }

    /** Position ids must be 0, 1, 2, ... (a slice of a constant arange, as BERT exports do). */
    private void checkPositionIds(String indices) {
        Node n = producer.get(indices);
        if (n == null) {
            throw unsupported("position ids " + indices + " are not understood");
        }
        Tensor ids = n.opType().equals("Slice") ? constants.get(n.input(0)) : constants.get(indices);
        if (ids == null) {
            throw unsupported("position ids computed by " + n.describe() + " are not understood");
        }
        long[] v = ids.integers();
        for (int i = 0; i < v.length; i++) {
            if (v[i] != i) {
                throw unsupported("position ids in " + ids.name() + " are not 0, 1, 2, ...");
            }
        }
        if (n.opType().equals("Slice")) {
            Tensor start = constants.get(n.input(1));
            if (start == null || start.integers()[0] != 0) {
                throw unsupported("position ids slice " + n.describe() + " does not start at 0");
            }
        }
    }

    // ---- helpers --------------------------------------------------------------------------

    private String skipShapeOps(String value) {
        String v = value;
        while (producer.containsKey(v) && SHAPE_OPS.contains(producer.get(v).opType())) {
            v = producer.get(v).input(0);
        }
        return v;
    }

    private Float scalar(String value) {
        Tensor t = constants.get(value);
        if (t == null || t.elementCount() != 1 || t.dataType() != Tensor.FLOAT) {
            return null;
        }
        return t.floats()[0];
    }

    private String describe(String value) {
        Node n = producer.get(value);
        return n == null ? "value '" + value + "'" : n.describe();
    }

    private ModelFormatException unsupported(String what) {
        return new ModelFormatException("unsupported ONNX graph in " + source + ": " + what);
    }
}
