import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import ffnkit.eval.plot.Charts;
import ffnkit.io.AtomicFiles;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

import java.awt.BasicStroke;
import java.awt.Color;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Pareto plots of the FFSplit experiment (issue 6): nDCG@10 against FFN size, one line per
 * method with and without the split, from the results.jsonl of scripts/ffsplit-experiment.sh.
 * Run by scripts/render-ffsplit.py (single-file source launch on the CLI's classpath).
 * Usage: FfsplitPareto RESULTS.jsonl OUT_DIR
 */
public class FfsplitPareto {

    public static void main(String[] args) throws Exception {
        ObjectMapper json = new ObjectMapper();
        List<JsonNode> rows = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of(args[0]))) {
            if (!line.isBlank()) {
                rows.add(json.readTree(line));
            }
        }
        Path out = Path.of(args[1]);
        JsonNode base = rows.stream().filter(r -> r.get("name").asText().equals("baseline")).findFirst().orElseThrow();
        double baseParams = base.get("ffn_params_after").asDouble() / 1e6;
        double baseMb = 4 * base.get("ffn_params_after").asDouble() / 1e6;
        double baseNdcg = base.get("ndcg_at_10").asDouble();

        // Low rank: x = FFN parameters (millions); points of one method and one form joined by rank.
        Map<String, List<double[]>> byParams = new LinkedHashMap<>();
        // Every method: x = FFN bytes (MB), the honest size of quantised layers too.
        Map<String, List<double[]>> byBytes = new LinkedHashMap<>();
        for (JsonNode r : rows) {
            String name = r.get("name").asText();
            if (name.equals("baseline")) {
                continue;
            }
            String form = name.startsWith("split25") ? "FFSplit 25%" : "vanilla";
            String method = name.replaceFirst("^(split25|vanilla)-", "").replaceFirst("-r[0-9.]+$", "")
                    .replaceFirst("-heavy8$", "").replaceFirst("-[0-9]$", "");
            double ndcg = r.get("ndcg_at_10").asDouble();
            double params = r.get("ffn_params_after").asDouble() / 1e6;
            double mb = r.get("ffn_bytes_after").asDouble() / 1e6;
            boolean lowRank = name.matches(".*-r[0-9.]+$");
            if (lowRank) {
                byParams.computeIfAbsent(label(method) + ", " + form, k -> new ArrayList<>()).add(new double[] {params, ndcg});
            }
            byBytes.computeIfAbsent(label(method) + ", " + form, k -> new ArrayList<>()).add(new double[] {mb, ndcg});
        }
        write(out.resolve("ffsplit-pareto-params.png"),
                "all-MiniLM-L6-v2, no fine-tuning: retrieval vs FFN parameters (low rank 10% and 50%)",
                "FFN parameters (millions, 6 layers)", byParams, baseParams, baseNdcg);
        write(out.resolve("ffsplit-pareto-bytes.png"),
                "all-MiniLM-L6-v2, no fine-tuning: retrieval vs FFN size (low rank and 3/4-bit)",
                "FFN weights (MB)", byBytes, baseMb, baseNdcg);
    }

    private static String label(String method) {
        return switch (method) {
            case "svd" -> "SVD";
            case "whiten" -> "whitened SVD";
            case "whiten-refit" -> "whitened SVD + refit";
            case "rtn" -> "RTN g128";
            case "awq" -> "AWQ g128";
            default -> method;
        };
    }

    private static void write(Path file, String title, String xLabel, Map<String, List<double[]>> lines, double baseX,
                              double baseNdcg) throws Exception {
        List<Charts.Series> series = new ArrayList<>();
        double xMax = baseX;
        for (var e : lines.entrySet()) {
            List<double[]> pts = e.getValue();
            pts.sort((a, b) -> Double.compare(a[0], b[0]));
            double[] x = new double[pts.size()];
            double[] y = new double[pts.size()];
            for (int i = 0; i < pts.size(); i++) {
                x[i] = pts.get(i)[0];
                y[i] = pts.get(i)[1];
            }
            series.add(new Charts.Series(e.getKey(), x, y));
        }
        series.add(new Charts.Series("original (dense)", new double[] {baseX}, new double[] {baseNdcg}));
        series.add(new Charts.Series("original - 1.0 point (the issue's target)", new double[] {0, xMax},
                new double[] {baseNdcg - 0.01, baseNdcg - 0.01}));
        // Charts.lines, except that the nDCG axis zooms on the data instead of starting at zero.
        XYSeriesCollection data = new XYSeriesCollection();
        for (Charts.Series s : series) {
            XYSeries xy = new XYSeries(s.name(), false, true);
            for (int i = 0; i < s.x().length; i++) {
                xy.add(s.x()[i], s.y()[i]);
            }
            data.addSeries(xy);
        }
        JFreeChart chart = ChartFactory.createXYLineChart(title, xLabel,
                "nDCG@10 (wordnet-gloss-example, 300 queries / 3,000 docs)", data, PlotOrientation.VERTICAL, true,
                false, false);
        XYPlot plot = chart.getXYPlot();
        ((NumberAxis) plot.getRangeAxis()).setAutoRangeIncludesZero(false);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, true);
        // One colour per method; solid = FFSplit, dashed = the vanilla method at the same budget.
        Map<String, Color> colours = new LinkedHashMap<>();
        Color[] palette = {new Color(0xd62728), new Color(0x1f77b4), new Color(0x2ca02c), new Color(0x9467bd),
                new Color(0xff7f0e), new Color(0x8c564b)};
        for (int i = 0; i < series.size(); i++) {
            String name = series.get(i).name();
            boolean split = name.contains("FFSplit");
            String method = name.replaceFirst(", (FFSplit 25%|vanilla)$", "");
            renderer.setSeriesPaint(i, colours.computeIfAbsent(method, k -> palette[colours.size() % palette.length]));
            renderer.setSeriesStroke(i, split ? new BasicStroke(2.5f)
                    : new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 1f, new float[] {6f, 4f}, 0f));
        }
        int last = series.size() - 1;
        renderer.setSeriesPaint(last - 1, Color.BLACK);
        renderer.setSeriesPaint(last, Color.GRAY);
        renderer.setSeriesShapesVisible(last, false);
        plot.setRenderer(renderer);
        // AtomicFiles, not Files.createTempFile: the PNG gets normal permissions, not 0600
        AtomicFiles.write(file, tmp -> ChartUtils.saveChartAsPNG(tmp.toFile(), chart, 1000, 650));
    }
}
