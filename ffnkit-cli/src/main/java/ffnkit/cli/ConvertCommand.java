package ffnkit.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import ffnkit.api.EmbeddingModel;
import ffnkit.api.SavedModelInfo;
import ffnkit.fff.FffConvertOptions;
import ffnkit.fff.FffConverter;
import ffnkit.io.SavedModel;
import ffnkit.lookup.LookupConvertOptions;
import ffnkit.lookup.LookupConverter;
import ffnkit.lookup.LookupModelConversion;
import ffnkit.lookup.LookupShape;
import ffnkit.model.DenseFeedForward;
import ffnkit.model.FeedForward;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "convert", description = {
        "Replace FFNs by fast feedforward trees or LookupFFN layers, trained by distillation.",
        "--to fff or --to lookup; each layer is trained to reproduce the original FFN on calibration "
                + "activations, and the model is saved."})
final class ConvertCommand implements Callable<Integer> {

    @Mixin
    ModelOptions model;

    @Option(names = "--to", required = true, paramLabel = "fff|lookup", description = "Target slot kind.")
    String to;

    @Option(names = "--calib", paramLabel = "FILE", description = "Calibration texts (default: the committed WordNet glosses).")
    Path calib;

    @Option(names = "--calib-limit", defaultValue = "2000", paramLabel = "N", description = "Calibration texts used (default: ${DEFAULT-VALUE}).")
    int calibLimit;

    @Option(names = "--max-rows", defaultValue = "20000", paramLabel = "N", description = "FFN input rows per layer kept for distillation (default: ${DEFAULT-VALUE}).")
    int maxRows;

    @Option(names = "--layers", paramLabel = "L[,L...]", description = "Layers to convert, 0-based (default: every layer whose FFN is still dense).")
    String layers;

    @Option(names = "--trees", defaultValue = "1", paramLabel = "K", description = "fff: trees per layer (default: ${DEFAULT-VALUE}).")
    int trees;

    @Option(names = "--depth", defaultValue = "10", paramLabel = "D", description = "fff: tree depth; 2^(D+1)-1 neurons per tree (default: ${DEFAULT-VALUE}).")
    int depth;

    @Option(names = "--tables", defaultValue = "128", paramLabel = "H", description = "lookup: tables per layer (default: ${DEFAULT-VALUE}).")
    int tables;

    @Option(names = "--bits", defaultValue = "8", paramLabel = "TAU", description = "lookup: sign bits per table, 2^TAU rows (default: ${DEFAULT-VALUE}).")
    int bits;

    @Option(names = "--projection", defaultValue = "bh4", paramLabel = "bh4|dense", description = "lookup: projection (default: ${DEFAULT-VALUE}).")
    String projection;

    @Option(names = "--soft-buckets", defaultValue = "0", paramLabel = "M", description = "lookup: distil with the sampled"
            + " soft relaxation: per token and table the argmax bucket plus up to M buckets drawn from the per-bit"
            + " softmax, each with its exact weight (inference keeps the argmax bucket; default: ${DEFAULT-VALUE}, off).")
    int softBuckets;

    @Option(names = "--table-format", defaultValue = "f32", paramLabel = "f32|bf16", description = "lookup: store the"
            + " tables rounded to bfloat16 (half the memory traffic of the gather; default: ${DEFAULT-VALUE}).")
    String tableFormat;

    @Option(names = "--epochs", paramLabel = "N", description = "Distillation epochs per layer (default: the method's).")
    Integer epochs;

    /** As typed: a String, so that a trailing '/' is seen (see {@link OutputPaths#checkFile}). */
    @Option(names = "--out", required = true, paramLabel = "FILE", description = "The converted model (.safetensors), written atomically.")
    String outArg;

    /** --out, once checked. */
    private Path out;

    @Option(names = "--json", description = "Print JSON (keys in the README).")
    boolean json;

    record LayerRow(int layer, int trainRows, int heldOutRows, double heldOutError, double baselineError) {
    }

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    /** Fewer distillation rows than this leave too little for a held-out split and training. */
    static final int MIN_ROWS = 32;

    /** Every flag checked before the model is loaded; a flag of the other --to kind is an error, not ignored. */
    private void checkFlags() {
        if (calibLimit < 1) {
            throw new UserError("--calib-limit must be at least 1, got " + calibLimit);
        }
        if (maxRows < MIN_ROWS) {
            throw new UserError("--max-rows must be at least " + MIN_ROWS + " (rows for training and a held-out check), got "
                    + maxRows);
        }
        if (epochs != null && epochs < 1) {
            throw new UserError("--epochs must be at least 1, got " + epochs);
        }
        String[] otherKind = to.equals("fff")
                ? new String[] {"--tables", "--bits", "--projection", "--soft-buckets", "--table-format"}
                : new String[] {"--trees", "--depth"};
        for (String flag : otherKind) {
            if (Flags.given(spec, flag)) {
                throw new UserError(flag + " does not apply to --to " + to);
            }
        }
        if (to.equals("fff")) {
            if (trees < 1 || depth < 0) {
                throw new UserError("--trees must be at least 1 and --depth at least 0, got " + trees + " and " + depth);
            }
        } else {
            if (tables < 1) {
                throw new UserError("--tables must be at least 1, got " + tables);
            }
            if (!tableFormat.equals("f32") && !tableFormat.equals("bf16")) {
                throw new UserError("--table-format must be f32 or bf16, got " + tableFormat);
            }
            if (softBuckets < 0) {
                throw new UserError("--soft-buckets must be 0 or more, got " + softBuckets);
            }
        }
    }

    @Override
    public Integer call() throws Exception {
        if (!to.equals("fff") && !to.equals("lookup")) {
            throw new UserError("--to must be fff or lookup, got " + to);
        }
        checkFlags();
        boolean bf16Tables = tableFormat.equals("bf16");
        // --out may be --model: the model is read in full before it is replaced
        out = OutputPaths.checkFile("--out", outArg);
        OutputPaths.refuseInput("--out", out, "--calib", calib);
        try (EmbeddingModel m = model.open()) {
            int n = m.encoder().layers().size();
            // a model converted (or compressed) before keeps those layers; only dense ones can be converted
            List<Integer> denseLayers = new ArrayList<>();
            List<Integer> earlier = new ArrayList<>();
            for (int l = 0; l < n; l++) {
                (m.encoder().layers().get(l).feedForward() instanceof DenseFeedForward ? denseLayers : earlier).add(l);
            }
            List<Integer> selected = new ArrayList<>();
            if (layers == null) {
                selected.addAll(denseLayers);
                if (selected.isEmpty()) {
                    throw new UserError("no layer of " + m.name() + " has a dense FFN left to convert: convert the original model");
                }
            } else {
                for (String s : layers.split(",")) {
                    int l;
                    try {
                        l = Integer.parseInt(s.trim());
                    } catch (NumberFormatException e) {
                        throw new UserError("--layers takes layer numbers separated by commas, got '" + layers + "'");
                    }
                    if (l < 0 || l >= n) {
                        throw new UserError("--layers: layer " + l + " does not exist; the model has layers 0 to " + (n - 1));
                    }
                    if (selected.contains(l)) {
                        throw new UserError("--layers: layer " + l + " is listed twice in '" + layers + "'");
                    }
                    if (!denseLayers.contains(l)) {
                        throw new UserError("layer " + l + " is not a dense FFN (converted or compressed already): "
                                + "leave it out of --layers, or convert the original model");
                    }
                    selected.add(l);
                }
                if (selected.isEmpty()) {
                    throw new UserError("--layers takes layer numbers separated by commas, got '" + layers + "'");
                }
            }
            Path file = calib != null ? calib : Home.dataset("calibration/wordnet-glosses.txt");
            List<String> texts = TextInput.readAll(file).stream().filter(s -> !s.isBlank()).limit(calibLimit).toList();
            if (texts.isEmpty()) {
                throw new UserError("calibration file " + file + " has no text");
            }
            System.err.printf("collecting FFN inputs of %d calibration texts...%n", texts.size());
            float[][] inputs = LookupModelConversion.collectFfnInputs(m, m.tokenize(texts), maxRows);
            int d = m.encoder().config().hidden();
            // the FFN each selected layer has now (dense, checked above), not layer 0's, which an
            // earlier conversion of this model may have replaced
            long flopsBefore = m.encoder().layers().get(selected.get(0)).feedForward().flopsPerToken();
            List<LayerRow> rows = new ArrayList<>();
            List<FeedForward> converted = new ArrayList<>();
            for (int l : selected) {
                DenseFeedForward dense = (DenseFeedForward) m.encoder().layers().get(l).feedForward(); // checked above
                int r = inputs[l].length / d;
                System.err.printf("converting layer %d (%d rows)...%n", l, r);
                if (to.equals("fff")) {
                    FffConvertOptions o = FffConvertOptions.of(trees, depth);
                    if (epochs != null) {
                        o = o.withTraining(o.training().withEpochs(epochs));
                    }
                    FffConverter.Report rep = FffConverter.convertWithReport(dense, inputs[l], r, o);
                    converted.add(rep.fff());
                    rows.add(new LayerRow(l, rep.trainRows(), rep.heldOutRows(), rep.finalHeldOutError(), rep.meanBaselineError()));
                } else {
                    LookupShape.ProjectionKind kind = LookupShape.ProjectionKind.parse(projection);
                    LookupConvertOptions o = LookupConvertOptions.defaults(tables, bits).withProjection(kind)
                            .withSoftBuckets(softBuckets);
                    if (epochs != null) {
                        o = o.withTraining(epochs, o.batchSize(), o.learningRate());
                    }
                    LookupConverter.Report rep = LookupConverter.convertWithReport(dense, inputs[l], r, o);
                    converted.add(bf16Tables ? rep.layer().withBf16Tables() : rep.layer());
                    rows.add(new LayerRow(l, rep.trainRows(), rep.heldOutRows(), rep.heldOutFinal(), rep.heldOutMeanBaseline()));
                }
            }
            for (int i = 0; i < selected.size(); i++) {
                m.encoder().layers().get(selected.get(i)).setFeedForward(converted.get(i));
            }
            long flopsAfter = converted.get(0).flopsPerToken();
            Map<String, String> info = new LinkedHashMap<>();
            if (m.onnxSourceName() != null) {
                info.put(SavedModelInfo.SOURCE_MODEL, m.onnxSourceName());
            }
            info.put(SavedModelInfo.QUERY_PREFIX, m.queryPrefix());
            info.put(SavedModelInfo.PASSAGE_PREFIX, m.passagePrefix());
            String method = to.equals("fff") ? "fff " + trees + "x" + depth : "lookup " + tables + "x" + bits + " " + projection
                    + (bf16Tables ? " bf16" : "")
                    + (softBuckets > 0 ? " soft" + softBuckets : "");
            // the file lists every layer that is not dense: the earlier ones and those converted now
            java.util.SortedSet<Integer> notDense = new java.util.TreeSet<>(earlier);
            notDense.addAll(selected);
            info.put("method", earlier.isEmpty() ? method : method + " on layers " + selected + "; layers " + earlier
                    + " converted or compressed earlier");
            info.put("converted_layers", notDense.toString());
            SavedModel.write(out, m.encoder(), info, m.tokenizer().json().getBytes(StandardCharsets.UTF_8));
            print(m.name(), info.get("method"), rows, flopsBefore, flopsAfter);
        }
        return 0;
    }

    private void print(String name, String method, List<LayerRow> rows, long flopsBefore, long flopsAfter) throws Exception {
        if (json) {
            ObjectMapper mapper = new ObjectMapper();
            ObjectNode n = mapper.createObjectNode();
            n.put("model", name);
            n.put("method", method);
            n.put("out", out.toString());
            n.put("ffn_flops_per_token_before", flopsBefore);
            n.put("ffn_flops_per_token_after", flopsAfter);
            ArrayNode a = n.putArray("layers");
            for (LayerRow r : rows) {
                ObjectNode o = a.addObject();
                o.put("layer", r.layer());
                o.put("train_rows", r.trainRows());
                o.put("held_out_rows", r.heldOutRows());
                o.put("relative_error", r.heldOutError());
                o.put("mean_baseline_error", r.baselineError());
            }
            System.out.println(mapper.writerWithDefaultPrettyPrinter().writeValueAsString(n));
            return;
        }
        System.out.printf("converted %s to %s -> %s; FFN FLOPs/token %d -> %d%n", name, method, out, flopsBefore, flopsAfter);
        Table t = new Table("layer", "train rows", "held-out rows", "relative error", "constant-output error");
        for (LayerRow r : rows) {
            t.row(r.layer(), r.trainRows(), r.heldOutRows(), String.format("%.4f", r.heldOutError()),
                    String.format("%.4f", r.baselineError()));
        }
        System.out.print(t);
    }
}
