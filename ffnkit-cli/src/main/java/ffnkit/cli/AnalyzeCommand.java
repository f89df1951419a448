package ffnkit.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import ffnkit.api.EmbeddingModel;
import ffnkit.compress.Calibration;
import ffnkit.compress.HeavyHitterReport;
import ffnkit.compress.Importance;
import ffnkit.compress.NeuronAblation;
import ffnkit.eval.Evaluation;
import ffnkit.util.Progress;
import ffnkit.eval.RetrievalResult;
import ffnkit.eval.data.BeirDataset;
import ffnkit.eval.data.BeirFiles;
import ffnkit.eval.metrics.Fidelity;
import ffnkit.eval.plot.Charts;
import ffnkit.model.DenseFeedForward;
import ffnkit.model.EncoderLayer;
import ffnkit.model.FeedForward;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;

@Command(name = "analyze", description = {
        "Heavy-hitter analysis of the FFN neurons (FFSplit section 4.1).",
        "Energy share of the top neurons per layer, stability of the heavy set across two halves of the "
                + "calibration text, plots, and an ablation that removes heavy, light or random neurons and "
                + "measures fidelity and retrieval."})
final class AnalyzeCommand implements Callable<Integer> {

    @Mixin
    ModelOptions model;

    @Mixin
    CalibrationOptions calibration;

    @Option(names = "--out", paramLabel = "DIR", description = "Folder for the PNG plots (default: analysis-MODEL).")
    Path out;

    @Option(names = "--importance", defaultValue = "output-norm", paramLabel = "KIND",
            description = "output-norm (||h_j||·||V_j||, default) or activation-norm (||h_j||).")
    String importance;

    @Option(names = "--ablation-fraction", defaultValue = "0.03", paramLabel = "P", description = "Fraction of neurons removed per layer (default: ${DEFAULT-VALUE}).")
    double fraction;

    @Option(names = "--no-ablation", description = "Skip the ablation (statistics and plots only).")
    boolean noAblation;

    @Option(names = "--fidelity-data", paramLabel = "FILE", description = "Texts for the fidelity part of the ablation (default: datasets/parity/sentences.txt).")
    Path fidelityData;

    @Option(names = "--data", paramLabel = "DIR", description = "BEIR retrieval set for the ablation (default: datasets/wordnet-gloss-example).")
    Path data;

    @Option(names = "--limit-queries", defaultValue = "0", paramLabel = "N", description = "Evaluate only the first N queries (0 = all; the whole corpus is searched).")
    int limitQueries;

    @Option(names = "--corpus-limit", defaultValue = "0", paramLabel = "N",
            description = "Search only the judged documents plus seeded distractors, N in all (0 = the whole corpus); "
                    + "scores are then comparable only with runs of the same limits and seed.")
    int corpusLimit;

    @Option(names = "--seed", defaultValue = "42", paramLabel = "S", description = "Seed of the random ablation (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--json", description = "Print JSON (keys in the README).")
    boolean json;

    @Override
    public Integer call() throws Exception {
        Importance imp = Importance.parse(importance);
        if (imp == Importance.LIGHT_ERROR) {
            throw new UserError("--importance light-error depends on the compression method: use it with compress; "
                    + "analyze takes output-norm or activation-norm");
        }
        if (!(fraction > 0 && fraction < 1)) {
            throw new UserError("--ablation-fraction must be between 0 and 1, got " + fraction);
        }
        calibration.checkFlags(false);
        if (out != null) {
            OutputPaths.checkFolder("--out", out);
        }
        calibration.checkSave(model);
        try (EmbeddingModel m = model.open()) {
            Path dir = out != null ? out : Path.of("analysis-" + m.name().replaceAll("[^A-Za-z0-9_.-]", "_"));
            if (out == null) {
                OutputPaths.checkFolder("--out", dir); // the default folder, named after the model, before calibrating
            }
            Calibration cal = calibration.obtain(m, false);
            List<HeavyHitterReport.Layer> report = HeavyHitterReport.of(cal, imp);
            Files.createDirectories(dir);
            List<Path> plots = plot(report, dir, m.name(), imp);
            List<AblationRow> ablation = noAblation ? List.of() : ablate(m, cal, imp, dir, plots);
            print(m.name(), cal, imp, report, ablation, plots);
        }
        return 0;
    }

    record AblationRow(String removed, double fraction, double meanCosine, double p01Cosine, double minCosine,
                       double ndcgAt10, double mrrAt10) {
    }

    private List<Path> plot(List<HeavyHitterReport.Layer> report, Path dir, String name, Importance imp) throws Exception {
        List<Charts.Series> scores = new ArrayList<>();
        List<Charts.Series> cumulative = new ArrayList<>();
        for (HeavyHitterReport.Layer l : report) {
            double[] s = l.sortedScores();
            double[] x = new double[s.length];
            double[] share = new double[s.length];
            double total = 0;
            for (double v : s) {
                total += v * v;
            }
            double run = 0;
            for (int i = 0; i < s.length; i++) {
                x[i] = 100.0 * (i + 1) / s.length;
                run += s[i] * s[i];
                share[i] = run / total;
            }
            scores.add(new Charts.Series("layer " + l.layer(), x, s));
            cumulative.add(new Charts.Series("layer " + l.layer(), x, share));
        }
        Path a = dir.resolve("scores.png");
        Path b = dir.resolve("cumulative-share.png");
        String scoreName = imp == Importance.OUTPUT_NORM ? "||h_j||·||V_j||" : "||h_j||";
        Charts.lines(a, name + ": neuron importance, sorted (" + scoreName + ")", "neuron rank (% of FFN width)",
                "score (log)", scores, true, false);
        Charts.lines(b, name + ": cumulative share of FFN output energy", "top neurons (% of FFN width)",
                "share of Σ score²", cumulative, false, false);
        return new ArrayList<>(List.of(a, b));
    }

    private List<AblationRow> ablate(EmbeddingModel m, Calibration cal, Importance imp, Path dir, List<Path> plots)
            throws Exception {
        List<String> texts = TextInput.readAll(fidelityData != null ? fidelityData : Home.dataset("parity/sentences.txt"))
                .stream().filter(s -> !s.isBlank()).toList();
        BeirDataset beir = BeirFiles.read(data != null ? data : Home.dataset("wordnet-gloss-example"));
        if (corpusLimit > 0) {
            beir = beir.sample(limitQueries, corpusLimit, seed);
        }
        Evaluation.RetrievalOptions options = new Evaluation.RetrievalOptions(m.queryPrefix(), m.passagePrefix(),
                Evaluation.DEFAULT_BATCH, limitQueries);
        Progress progress = Progress.stderr();
        ModelEmbedder embedder = new ModelEmbedder(m);
        float[][] reference = m.embed(texts);
        RetrievalResult base = Evaluation.retrieval(embedder, beir, options, progress);
        List<AblationRow> rows = new ArrayList<>();
        rows.add(new AblationRow("none", 0, 1, 1, 1, base.ndcgAt10(), base.mrrAt10()));
        List<EncoderLayer> layers = m.encoder().layers();
        List<FeedForward> originals = layers.stream().map(EncoderLayer::feedForward).toList();
        for (NeuronAblation.Removed removed : NeuronAblation.Removed.values()) {
            Random random = new Random(seed);
            try {
                for (int l = 0; l < layers.size(); l++) {
                    int[] neurons = NeuronAblation.select(removed, imp.scores(cal.layer(l)), fraction, random);
                    layers.get(l).setFeedForward(NeuronAblation.zeroed((DenseFeedForward) originals.get(l), neurons));
                }
                System.err.println("ablation: removing " + removed.key() + " neurons (" + fraction * 100 + "% per layer)");
                Fidelity.Summary f = Fidelity.compare(m.embed(texts), reference);
                RetrievalResult r = Evaluation.retrieval(embedder, beir, options, progress);
                rows.add(new AblationRow(removed.key(), fraction, f.meanCosine(), f.p01Cosine(), f.minCosine(),
                        r.ndcgAt10(), r.mrrAt10()));
            } finally {
                for (int l = 0; l < layers.size(); l++) {
                    layers.get(l).setFeedForward(originals.get(l));
                }
            }
        }
        Map<String, Map<String, Double>> bars = new LinkedHashMap<>();
        bars.put("mean cosine vs original", new LinkedHashMap<>());
        bars.put("nDCG@10", new LinkedHashMap<>());
        for (AblationRow r : rows) {
            bars.get("mean cosine vs original").put(r.removed(), r.meanCosine());
            bars.get("nDCG@10").put(r.removed(), r.ndcgAt10());
        }
        Path png = dir.resolve("ablation.png");
        Charts.bars(png, m.name() + ": removing " + Math.round(fraction * 1000) / 10.0 + "% of neurons per layer",
                "neurons removed", "score", bars);
        plots.add(png);
        return rows;
    }

    private void print(String name, Calibration cal, Importance imp, List<HeavyHitterReport.Layer> report,
                       List<AblationRow> ablation, List<Path> plots) throws Exception {
        if (json) {
            ObjectMapper mapper = new ObjectMapper();
            ObjectNode root = mapper.createObjectNode();
            root.put("model", name);
            root.put("importance", importance);
            root.put("calibration_texts", cal.texts());
            root.put("calibration_tokens", cal.tokens());
            ArrayNode layers = root.putArray("layers");
            for (HeavyHitterReport.Layer l : report) {
                ObjectNode o = layers.addObject();
                o.put("layer", l.layer());
                ObjectNode shares = o.putObject("top_share");
                l.topShare().forEach(shares::put);
                o.put("jaccard_top3", l.jaccardTop3());
                o.put("jaccard_top25", l.jaccardTop25());
                o.put("mean_firing_rate", l.meanFiringRate());
            }
            ArrayNode abl = root.putArray("ablation");
            for (AblationRow r : ablation) {
                ObjectNode o = abl.addObject();
                o.put("removed", r.removed());
                o.put("fraction", r.fraction());
                o.put("mean_cosine", r.meanCosine());
                o.put("p01_cosine", r.p01Cosine());
                o.put("min_cosine", r.minCosine());
                o.put("ndcg_at_10", r.ndcgAt10());
                o.put("mrr_at_10", r.mrrAt10());
            }
            ArrayNode p = root.putArray("plots");
            plots.forEach(x -> p.add(x.toString()));
            System.out.println(mapper.writerWithDefaultPrettyPrinter().writeValueAsString(root));
            return;
        }
        System.out.printf("model: %s   importance: %s   calibration: %d texts, %d tokens%n", name, importance, cal.texts(),
                cal.tokens());
        Table t = new Table("layer", "top 1%", "top 3%", "top 10%", "top 25%", "jaccard top3", "jaccard top25", "firing rate");
        for (HeavyHitterReport.Layer l : report) {
            t.row(l.layer(), pct(l.topShare().get("0.01")), pct(l.topShare().get("0.03")), pct(l.topShare().get("0.1")),
                    pct(l.topShare().get("0.25")), String.format("%.3f", l.jaccardTop3()), String.format("%.3f", l.jaccardTop25()),
                    pct(l.meanFiringRate()));
        }
        System.out.println("share of FFN output energy carried by the top neurons:");
        System.out.print(t);
        if (!ablation.isEmpty()) {
            Table a = new Table("removed", "fraction", "mean cos", "p01 cos", "min cos", "nDCG@10", "MRR@10");
            for (AblationRow r : ablation) {
                a.row(r.removed(), pct(r.fraction()), String.format("%.4f", r.meanCosine()), String.format("%.4f", r.p01Cosine()),
                        String.format("%.4f", r.minCosine()), String.format("%.4f", r.ndcgAt10()), String.format("%.4f", r.mrrAt10()));
            }
            System.out.println("ablation:");
            System.out.print(a);
        }
        System.out.println("plots: " + plots);
    }

    private static String pct(double v) {
        return String.format("%.1f%%", 100 * v);
    }
}
