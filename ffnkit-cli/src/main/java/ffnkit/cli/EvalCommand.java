package ffnkit.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import ffnkit.api.EmbeddingModel;
import ffnkit.eval.Evaluation;
import ffnkit.eval.RetrievalResult;
import ffnkit.eval.TextEmbedder;
import ffnkit.eval.data.BeirDataset;
import ffnkit.eval.data.BeirFiles;
import ffnkit.util.Progress;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.function.Function;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ffnkit eval}: retrieval on a BEIR-layout directory, or fidelity against a reference model
 * on a text file. Errors are thrown and reported by {@link Main}'s handler (one line, exit code 1).
 */
@Command(name = "eval",
        description = {"Measure a model: retrieval (nDCG@10, MRR@10, Recall@1/10/100) on a BEIR-layout data set, "
                + "or fidelity (cosine to a reference model's embeddings) on a text file, one text per line.",
                "Progress goes to stderr, the result to stdout (a table, or one JSON object with --json)."})
public final class EvalCommand implements Callable<Integer> {

    public enum Task { retrieval, fidelity }

    static final String DEFAULT_RETRIEVAL_DATA = "wordnet-gloss-example";

    @Spec
    CommandSpec spec;

    @Mixin
    ModelOptions modelOptions;

    @Option(names = "--reference", paramLabel = "R",
            description = "Reference model (a built-in name, a model path or a saved ffnkit model): required for --task "
                    + "fidelity; with retrieval, it is scored too and the output adds how far the two models' top 10 agree.")
    String reference;

    @Option(names = "--task", defaultValue = "retrieval", paramLabel = "TASK",
            description = "retrieval | fidelity (default: ${DEFAULT-VALUE}).")
    Task task;

    @Option(names = "--data", paramLabel = "PATH",
            description = "retrieval: a BEIR-layout directory (default: the committed datasets/wordnet-gloss-example); "
                    + "fidelity: a text file, one text per line (required).")
    Path data;

    @Option(names = "--json", description = "Print the result as one JSON object (keys in the README).")
    boolean json;

    @Option(names = "--limit-queries", paramLabel = "N", defaultValue = "0",
            description = "Evaluate only the first N judged queries; 0 = all (default).")
    int limitQueries;

    @Option(names = "--corpus-limit", paramLabel = "N", defaultValue = "0",
            description = "Search only N documents: every document judged for an evaluated query plus distractors "
                    + "drawn with --seed. Much faster, but the scores are NOT comparable with whole-corpus scores, "
                    + "only with runs that use the same --limit-queries, --corpus-limit and --seed. 0 = the whole corpus (default).")
    int corpusLimit;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "42",
            description = "Seed of the distractor sample of --corpus-limit (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--batch", paramLabel = "N", defaultValue = "64",
            description = "Texts per forward pass (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--query-prefix", paramLabel = "TEXT",
            description = "Text put before every query (default: the model's own, 'query: ' for e5-small-v2, else none; "
                    + "--query-prefix \"\" turns it off).")
    String queryPrefix;

    @Option(names = "--passage-prefix", paramLabel = "TEXT",
            description = "Text put before every document (default: the model's own, 'passage: ' for e5-small-v2, else none).")
    String passagePrefix;

    /** Opens a model by name or path; null: our engine through {@link ModelOptions}. */
    private final Function<String, TextEmbedder> openModel;

    /** Used by picocli: models are opened with ffnkit's engine. */
    public EvalCommand() {
        this(null);
    }

    /** For callers (and tests) that open models themselves. */
    public EvalCommand(Function<String, TextEmbedder> openModel) {
        this.openModel = openModel;
    }

    private TextEmbedder open(String nameOrPath) {
        if (openModel != null) {
            return openModel.apply(nameOrPath);
        }
        EmbeddingModel m = modelOptions.open(nameOrPath);
        m.batchSize(batch); // one forward pass per evaluation batch
        return new ModelEmbedder(m);
    }

    @Override
    public Integer call() {
        validate();
        modelOptions.applyThreads();
        PrintWriter err = spec.commandLine().getErr();
        long start = System.nanoTime();
        ObjectNode result = switch (task) {
            case retrieval -> retrieval(err);
            case fidelity -> fidelity(err);
        };
        result.put("seconds", Math.round((System.nanoTime() - start) / 1e7) / 100.0);
        print(result);
        return 0;
    }

    private void validate() {
        Flags.checkBatch(batch);
        if (limitQueries < 0) {
            throw new UserError("--limit-queries must be at least 0, got " + limitQueries);
        }
        if (corpusLimit < 0) {
            throw new UserError("--corpus-limit must be at least 0, got " + corpusLimit);
        }
        if (task == Task.fidelity) {
            if (reference == null) {
                throw new UserError("--task fidelity needs --reference R");
            }
            if (data == null) {
                throw new UserError("--task fidelity needs --data FILE (one text per line)");
            }
            if (limitQueries != 0 || corpusLimit != 0 || queryPrefix != null || passagePrefix != null) {
                throw new UserError("--limit-queries, --corpus-limit, --query-prefix and --passage-prefix apply to "
                        + "--task retrieval only");
            }
        }
    }

    private ObjectNode retrieval(PrintWriter err) {
        if (data == null) {
            data = Home.dataset(DEFAULT_RETRIEVAL_DATA);
        }
        BeirDataset dataset = BeirFiles.read(data);
        checkJudgements(dataset, err);
        try (TextEmbedder embedder = open(modelOptions.model)) {
            String q = queryPrefix != null ? queryPrefix : embedder.queryPrefix();
            String p = passagePrefix != null ? passagePrefix : embedder.passagePrefix();
            var options = new Evaluation.RetrievalOptions(q, p, batch, limitQueries, corpusLimit, seed);
            Evaluation.RetrievalComparison comparison = null;
            RetrievalResult r;
            if (reference == null) {
                r = Evaluation.retrieval(embedder, dataset, options, Progress.to(err));
            } else {
                // both models with the --model's prefixes: the reference is the model it was made from
                try (TextEmbedder ref = open(reference)) {
                    comparison = Evaluation.compareRetrieval(embedder, ref, dataset, options, Progress.to(err));
                }
                r = comparison.model();
            }
            if (corpusLimit > 0 && r.corpusSize() < dataset.corpus().size()) {
                // the judged documents of the evaluated queries always stay, so the size may exceed the limit
                err.printf("eval: searched %d of %d documents (--corpus-limit %d: the judged ones plus distractors drawn "
                        + "with seed %d): scores are comparable only with runs of the same limits and seed, not with "
                        + "whole-corpus scores%n", r.corpusSize(), dataset.corpus().size(), corpusLimit, seed);
                err.flush();
            }
            ObjectNode out = header().put("query_prefix", q).put("passage_prefix", p);
            if (corpusLimit > 0) {
                out.put("corpus_limit", corpusLimit).put("seed", seed);
            }
            out.setAll((ObjectNode) JSON.valueToTree(r));
            if (comparison != null) {
                out.put("reference_ndcg_at_10", comparison.reference().ndcgAt10())
                        .put("reference_mrr_at_10", comparison.reference().mrrAt10())
                        .put("top10_agreement", comparison.top10Agreement());
            }
            return out;
        }
    }

    /**
     * Relevant judgements whose ids match nothing. BEIR scores them silently (an unknown query is
     * skipped, an unknown document stays relevant but is never found), which hides a qrels file
     * that belongs to another split or spells its ids differently: say so, and refuse a qrels file
     * that matches no query at all.
     */
    static void checkJudgements(BeirDataset d, PrintWriter err) {
        Set<String> queryIds = new HashSet<>();
        d.queries().forEach(q -> queryIds.add(q.id()));
        Set<String> docIds = new HashSet<>();
        d.corpus().forEach(doc -> docIds.add(doc.id()));
        List<String> unknownQueries = new ArrayList<>();
        Set<String> unknownDocs = new LinkedHashSet<>();
        int judged = 0;
        for (var e : d.qrels().entrySet()) {
            if (e.getValue().values().stream().noneMatch(score -> score >= 1)) {
                continue;
            }
            judged++;
            if (!queryIds.contains(e.getKey())) {
                unknownQueries.add(e.getKey());
                continue;
            }
            e.getValue().forEach((doc, score) -> {
                if (score >= 1 && !docIds.contains(doc)) {
                    unknownDocs.add(doc);
                }
            });
        }
        if (judged > 0 && unknownQueries.size() == judged) {
            throw new UserError("none of the " + judged + " judged query ids in the qrels is in " + BeirFiles.QUERIES
                    + " (e.g. '" + unknownQueries.get(0) + "'): the qrels' query-id column must hold the _id values of "
                    + BeirFiles.QUERIES);
        }
        if (!unknownQueries.isEmpty()) {
            err.printf("eval: warning: the qrels name %d judged query id%s not in %s (e.g. '%s'); skipped%n",
                    unknownQueries.size(), unknownQueries.size() == 1 ? "" : "s", BeirFiles.QUERIES, unknownQueries.get(0));
        }
        if (!unknownDocs.isEmpty()) {
            err.printf("eval: warning: the qrels name %d relevant document id%s not in %s (e.g. '%s'); as in BEIR they "
                            + "count as relevant but can never be retrieved, which lowers every score%n",
                    unknownDocs.size(), unknownDocs.size() == 1 ? "" : "s", BeirFiles.CORPUS, unknownDocs.iterator().next());
        }
        err.flush();
    }

    private ObjectNode fidelity(PrintWriter err) {
        var texts = BeirFiles.readLines(data);
        if (texts.isEmpty()) {
            throw new UserError("--data " + data + " has no texts to compare: give a file with one text per line");
        }
        try (TextEmbedder m = open(modelOptions.model); TextEmbedder r = open(reference)) {
            // on one text first: a mismatch found after embedding the whole file with both costs minutes
            List<String> first = texts.subList(0, 1);
            int a = m.embed(first)[0].length;
            int b = r.embed(first)[0].length;
            if (a != b) {
                throw new UserError("--model " + modelOptions.model + " gives " + a + "-dimensional embeddings, --reference "
                        + reference + " " + b + "-dimensional: fidelity compares models of the same dimension, "
                        + "e.g. a compressed model with the model it was made from");
            }
            var f = Evaluation.fidelity(m, r, texts, batch, Progress.to(err));
            return header().setAll((ObjectNode) JSON.valueToTree(f));
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private ObjectNode header() {
        ObjectNode header = JSON.createObjectNode().put("task", task.name()).put("model", modelOptions.model);
        if (reference != null) {
            header.put("reference", reference);
        }
        return header.put("data", data.toString());
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
                String value;
                if (e.getValue().isFloatingPointNumber() && !e.getKey().equals("seconds")) {
                    value = String.format(Locale.ROOT, "%.4f", e.getValue().doubleValue());
                } else if (e.getKey().endsWith("_prefix")) {
                    value = e.getValue().toString(); // quoted, so that a trailing space shows
                } else {
                    value = e.getValue().asText();
                }
                out.printf("%-" + width + "s  %s%n", e.getKey(), value);
            }
        }
        out.flush();
    }
}
