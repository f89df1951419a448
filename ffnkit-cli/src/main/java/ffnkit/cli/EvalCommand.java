package ffnkit.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import ffnkit.eval.Evaluation;
import ffnkit.eval.Progress;
import ffnkit.eval.TextEmbedder;
import ffnkit.eval.data.BeirFiles;
import ffnkit.eval.data.DatasetException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.Function;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ffnkit eval}: retrieval on a BEIR-layout directory, or fidelity against a reference model
 * on a text file. Models are opened through one function from a model name or path to a
 * {@link TextEmbedder}; see {@link #EvalCommand()}.
 */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = {"Measure a model: retrieval (nDCG@10, MRR@10, Recall@1/10/100) on a BEIR-layout data set, "
                + "or fidelity (cosine to a reference model's embeddings) on a text file, one text per line."})
public final class EvalCommand implements Callable<Integer> {

    public enum Task { retrieval, fidelity }

    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "M", description = "built-in model name or model path")
    String model;

    @Option(names = "--reference", paramLabel = "R", description = "reference model (fidelity)")
    String reference;

    @Option(names = "--task", defaultValue = "retrieval", paramLabel = "TASK",
            description = "retrieval | fidelity; default: ${DEFAULT-VALUE}")
    Task task;

    static final Path DEFAULT_RETRIEVAL_DATA = Path.of("datasets/wordnet-gloss-example");

    @Option(names = "--data", paramLabel = "PATH",
            description = "retrieval: BEIR-layout directory (default: datasets/wordnet-gloss-example); "
                    + "fidelity: text file, one text per line (required)")
    Path data;

    @Option(names = "--json", description = "print the result as one JSON object")
    boolean json;

    @Option(names = "--limit-queries", paramLabel = "N", defaultValue = "0",
            description = "evaluate only the first N judged queries (the whole corpus is still searched); 0 = all")
    int limitQueries;

    @Option(names = "--batch", paramLabel = "N", defaultValue = "64", description = "texts per batch; default: ${DEFAULT-VALUE}")
    int batch;

    @Option(names = "--query-prefix", paramLabel = "TEXT",
            description = "text put before every query; default: \"query: \" for e5 models, else none")
    String queryPrefix;

    @Option(names = "--passage-prefix", paramLabel = "TEXT",
            description = "text put before every document; default: \"passage: \" for e5 models, else none")
    String passagePrefix;

    @Option(names = "--threads", paramLabel = "N", description = "worker threads; default: all cores")
    Integer threads;

    private final Function<String, TextEmbedder> openModel;

    /**
     * Used by picocli's default factory.
     * LEAD: THE ONE PLACE WHERE A MODEL IS OPENED. Replace the body of {@link #openWithEngine} with
     * the model-loading API (built-in name, .onnx path, Hugging Face folder, saved model) wrapped
     * as a TextEmbedder whose close() releases the model.
     */
    public EvalCommand() {
        this(EvalCommand::openWithEngine);
    }

    /** For callers (and tests) that open models themselves. */
    public EvalCommand(Function<String, TextEmbedder> openModel) {
        this.openModel = openModel;
    }

    private static TextEmbedder openWithEngine(String nameOrPath) {
        throw new UnsupportedOperationException("model loading is not wired into 'ffnkit eval' yet (model " + nameOrPath + ")");
    }

    /** e5 models are trained with "query: " / "passage: " prefixes and score worse without them. */
    static String[] defaultPrefixes(String modelName) {
        String lastSegment = modelName.substring(Math.max(modelName.lastIndexOf('/'), modelName.lastIndexOf('\\')) + 1);
        boolean e5 = lastSegment.toLowerCase(Locale.ROOT).contains("e5");
        return e5 ? new String[] {"query: ", "passage: "} : new String[] {"", ""};
    }

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        try {
            if (threads != null) {
                ffnkit.kernels.Parallel.setThreads(threads);
            }
            long start = System.nanoTime();
            ObjectNode result = switch (task) {
                case retrieval -> retrieval(err);
                case fidelity -> fidelity(err);
            };
            result.put("seconds", Math.round((System.nanoTime() - start) / 1e7) / 100.0);
            print(result);
            return 0;
        } catch (DatasetException | IllegalArgumentException | IllegalStateException | UnsupportedOperationException e) {
            err.println("error: " + e.getMessage());
            err.flush();
            return 1;
        }
    }

    private ObjectNode retrieval(PrintWriter err) {
        if (data == null) {
            data = DEFAULT_RETRIEVAL_DATA;
        }
        var dataset = BeirFiles.read(data);
        String[] prefixes = defaultPrefixes(model);
        var options = new Evaluation.RetrievalOptions(queryPrefix != null ? queryPrefix : prefixes[0],
                passagePrefix != null ? passagePrefix : prefixes[1], batch, limitQueries);
        try (TextEmbedder embedder = openModel.apply(model)) {
            var r = Evaluation.retrieval(embedder, dataset, options, Progress.to(err));
            return header().setAll((ObjectNode) JSON.valueToTree(r));
        }
    }

    private ObjectNode fidelity(PrintWriter err) {
        if (reference == null) {
            throw new IllegalArgumentException("--task fidelity needs --reference R");
        }
        if (data == null) {
            throw new IllegalArgumentException("--task fidelity needs --data FILE (one text per line)");
        }
        var texts = BeirFiles.readLines(data);
        try (TextEmbedder m = openModel.apply(model); TextEmbedder r = openModel.apply(reference)) {
            var f = Evaluation.fidelity(m, r, texts, batch, Progress.to(err));
            return header().put("reference", reference).setAll((ObjectNode) JSON.valueToTree(f));
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private ObjectNode header() {
        return JSON.createObjectNode().put("task", task.name()).put("model", model).put("data", data.toString());
    }

    private void print(ObjectNode result) {
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(result.toString());
        } else {
            int width = 0;
            for (var e : result.properties()) {
                width = Math.max(width, e.getKey().length());
            }
            for (var e : result.properties()) {
                String value = e.getValue().isFloatingPointNumber() && !e.getKey().equals("seconds")
                        ? String.format(Locale.ROOT, "%.4f", e.getValue().doubleValue()) : e.getValue().asText();
                out.printf("%-" + width + "s  %s%n", e.getKey(), value);
            }
        }
        out.flush();
    }
}
