package ffnkit.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import ffnkit.api.EmbeddingModel;
import ffnkit.compress.Calibration;
import ffnkit.compress.Compressor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "compress", description = {
        "FFSplit: split every FFN by its heavy hitters and compress the light part.",
        "The heavy part is kept, the light part goes to low rank, RTN or AWQ; the model is saved as one "
                + "safetensors file usable by every command."})
final class CompressCommand implements Callable<Integer> {

    @Mixin
    ModelOptions model;

    @Mixin
    CalibrationOptions calibration;

    @Mixin
    CompressOptions compress;

    /** As typed: a String, so that a trailing '/' is seen (see {@link OutputPaths#checkFile}). */
    @Option(names = "--out", required = true, paramLabel = "FILE", description = "The compressed model (.safetensors), written atomically.")
    String outArg;

    /** --out, once checked. */
    private Path out;

    @Option(names = "--match-params", paramLabel = "FILE",
            description = "Spend the same FFN parameters (low rank) or bytes (rtn/awq) as this saved model, without a split: the paper's fair baseline.")
    Path matchParams;

    @Option(names = "--json", description = "Print JSON (keys in the README).")
    boolean json;

    @Override
    public Integer call() throws Exception {
        Compressor.Options options = compress.toOptions();
        calibration.checkFlags(options.refit());
        // before any work; --out may be --model (the model is read before it is replaced), as in convert
        out = OutputPaths.checkFile("--out", outArg);
        calibration.checkSave(model);
        calibration.refuseOverlap("--out", out);
        OutputPaths.refuseInput("--save-calibration", calibration.save, "--match-params", matchParams);
        try (EmbeddingModel m = model.open()) {
            var c = m.encoder().config();
            if (matchParams != null) {
                try (EmbeddingModel target = EmbeddingModel.load(matchParams.toString())) {
                    var tc = target.encoder().config();
                    if (tc.layers() != c.layers() || tc.hidden() != c.hidden() || tc.intermediate() != c.intermediate()) {
                        // another shape's budget is meaningless here (it was clamped to rank 1 or 2 bits silently)
                        throw new UserError("--match-params " + matchParams + " has " + tc.layers() + " layers, d "
                                + tc.hidden() + ", FFN " + tc.intermediate() + " but " + m.name() + " has " + c.layers()
                                + ", " + c.hidden() + ", " + c.intermediate()
                                + ": give a model compressed from the same original as --model");
                    }
                    options = Compressor.matchBudget(options, c.layers(), c.hidden(), c.intermediate(),
                            Compressor.ffnParameters(target.encoder()), Compressor.ffnBytes(target.encoder()));
                }
                System.err.println("ffnkit: matched budget of " + matchParams + ": " + options.label());
            }
            Calibration cal = calibration.obtain(m, compress.needsActivationGram());
            List<int[]> refitIds = options.refit() ? calibration.tokenizedTexts(m) : List.of();
            System.err.println("ffnkit: compressing with " + options.label());
            Compressor.Report r = Compressor.compress(m.encoder(), cal, options, refitIds,
                    l -> System.err.printf("compressed layer %d/%d%n", l + 1, c.layers()));
            new CompressCommandSaver(m, m, options, cal).save(out);
            long fileBytes = Files.size(out);
            print(m.name(), options, r, fileBytes);
        }
        return 0;
    }

    private void print(String name, Compressor.Options o, Compressor.Report r, long fileBytes) throws Exception {
        if (json) {
            ObjectMapper mapper = new ObjectMapper();
            ObjectNode n = mapper.createObjectNode();
            n.put("model", name);
            n.put("method", o.label());
            n.put("out", out.toString());
            n.put("ffn_params_before", r.ffnParamsBefore());
            n.put("ffn_params_after", r.ffnParamsAfter());
            n.put("nonembedding_params_before", r.nonEmbeddingParamsBefore());
            n.put("nonembedding_params_after", r.nonEmbeddingParamsAfter());
            n.put("ffn_bytes_before", r.ffnBytesBefore());
            n.put("ffn_bytes_after", r.ffnBytesAfter());
            n.put("bytes_before", r.bytesBefore());
            n.put("bytes_after", r.bytesAfter());
            n.put("file_bytes", fileBytes);
            System.out.println(mapper.writerWithDefaultPrettyPrinter().writeValueAsString(n));
            return;
        }
        System.out.printf("compressed %s with %s -> %s%n", name, o.label(), out);
        Table t = new Table("", "before", "after", "change");
        t.row("FFN parameters", r.ffnParamsBefore(), r.ffnParamsAfter(), change(r.ffnParamsBefore(), r.ffnParamsAfter()));
        t.row("non-embedding parameters", r.nonEmbeddingParamsBefore(), r.nonEmbeddingParamsAfter(),
                change(r.nonEmbeddingParamsBefore(), r.nonEmbeddingParamsAfter()));
        t.row("FFN MB", mb(r.ffnBytesBefore()), mb(r.ffnBytesAfter()), change(r.ffnBytesBefore(), r.ffnBytesAfter()));
        t.row("model MB (weights)", mb(r.bytesBefore()), mb(r.bytesAfter()), change(r.bytesBefore(), r.bytesAfter()));
        t.row("file MB", "", mb(fileBytes), "");
        System.out.print(t);
    }

    static String change(long before, long after) {
        return String.format("%+.1f%%", 100.0 * (after - before) / before);
    }

    static String mb(long bytes) {
        return String.format("%.2f", bytes / 1e6);
    }
}
