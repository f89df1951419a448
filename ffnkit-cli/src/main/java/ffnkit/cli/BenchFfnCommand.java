package ffnkit.cli;

import ffnkit.fff.FffLayerBench;
import ffnkit.lookup.LookupLayerBench;
import ffnkit.lookup.LookupShape;
import ffnkit.eval.bench.ModelBench;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "bench-ffn", description = {
        "Time one FFN layer: our dense FFN against a fast feedforward or LookupFFN layer.",
        "Dense (tuned GEMM) against a fast feedforward tree layer (--fff KxD, e.g. 1x11,4x8) or a "
                + "LookupFFN layer (--lookup HxTAU, e.g. 128x8) on the same random inputs (different per token), "
                + "wall clock, median over repetitions, the fast kernel's output checked against its reference in "
                + "the same run."})
final class BenchFfnCommand implements Callable<Integer> {

    @Option(names = "--d", defaultValue = "768", paramLabel = "D", description = "Model width (default: ${DEFAULT-VALUE}).")
    int d;

    @Option(names = "--width", defaultValue = "3072", paramLabel = "M", description = "Dense FFN width (default: ${DEFAULT-VALUE}).")
    int width;

    @Option(names = "--fff", paramLabel = "KxD[,KxD...]", description = "Tree shapes: K trees of depth D.")
    String fff;

    @Option(names = "--lookup", paramLabel = "HxTAU", description = "LookupFFN: H tables of 2^TAU rows.")
    String lookup;

    @Option(names = "--projection", defaultValue = "bh4", paramLabel = "bh4|dense", description = "LookupFFN projection (default: ${DEFAULT-VALUE}).")
    String projection;

    @Option(names = "--table-format", defaultValue = "f32", paramLabel = "f32|bf16", description = "LookupFFN table storage:"
            + " bf16 rounds the tables to bfloat16 (the reference uses the same rounded tables) and halves the bytes"
            + " the gather reads (default: ${DEFAULT-VALUE}).")
    String tableFormat;

    @Option(names = "--tokens", defaultValue = "1,128,1024,16384", paramLabel = "N[,N...]", description = "Token counts (default: ${DEFAULT-VALUE}).")
    String tokens;

    @Option(names = "--threads", paramLabel = "N", description = "Worker threads (default: all cores).")
    Integer threads;

    @Option(names = "--repetitions", defaultValue = "5", paramLabel = "N", description = "Timed runs per configuration (default: ${DEFAULT-VALUE}).")
    int repetitions;

    @Option(names = "--json", description = "Print JSON (keys in the README).")
    boolean json;

    @Override
    public Integer call() {
        if ((fff == null) == (lookup == null)) {
            throw new UserError("give exactly one of --fff KxD or --lookup HxTAU");
        }
        if (d < 1 || width < 1 || repetitions < 1) {
            throw new UserError("--d, --width and --repetitions must be positive");
        }
        int[] counts = ModelBench.parseList(tokens, "--tokens").stream().mapToInt(Integer::intValue).toArray();
        int t = ModelOptions.checkThreads(threads != null ? threads : Runtime.getRuntime().availableProcessors());
        checkSize(counts);
        if (fff != null) {
            if (!projection.equals("bh4") || !tableFormat.equals("f32")) {
                throw new UserError("--projection and --table-format apply to --lookup only");
            }
            List<int[]> shapes = new ArrayList<>();
            for (String s : fff.split(",")) {
                shapes.add(pair(s, "--fff"));
            }
            List<FffLayerBench.Result> results = FffLayerBench.run(d, width, shapes, counts, t, repetitions, 1);
            System.out.println(json ? FffLayerBench.toJson(results, d, width, t) : FffLayerBench.toTable(results));
        } else {
            int[] ht = pair(lookup, "--lookup");
            if (ht[1] > 16) {
                throw new UserError("--lookup " + lookup + ": TAU must be 1 to 16 (tables of 2^TAU rows), got " + ht[1]);
            }
            LookupShape.ProjectionKind kind = LookupShape.ProjectionKind.parse(projection);
            LookupLayerBench.Config base = LookupLayerBench.Config.of(d, width, ht[0], ht[1], counts, t);
            LookupLayerBench.Config c = new LookupLayerBench.Config(d, width, ht[0], ht[1], kind, base.blockSize(), counts,
                    t, repetitions, base.warmup(), base.seed(), false, tableFormat(tableFormat));
            List<LookupLayerBench.Result> results = LookupLayerBench.run(c, System.err);
            System.out.println(json ? LookupLayerBench.toJson(c, results) : LookupLayerBench.toMarkdown(results));
        }
        return 0;
    }

    /**
     * Inputs, outputs and the dense hidden activations are single Java arrays: refuse sizes they
     * cannot hold, or that need more heap than the JVM has, before allocating anything.
     */
    private void checkSize(int[] counts) {
        long maxTokens = java.util.Arrays.stream(counts).max().orElseThrow();
        long elements = maxTokens * Math.max(d, width);
        if (elements > Integer.MAX_VALUE - 16) {
            throw new UserError("--tokens " + maxTokens + " at --d " + d + " --width " + width + " needs arrays of "
                    + elements + " floats, over Java's limit of 2^31: lower --tokens, --d or --width");
        }
        long bytes = 4L * (maxTokens * (3L * d + width) + 2L * d * width);
        long heap = Runtime.getRuntime().maxMemory();
        if (bytes > heap) {
            throw new UserError(String.format(java.util.Locale.ROOT,
                    "--tokens %d at --d %d --width %d needs about %.1f GB, the JVM may use %.1f GB: lower --tokens, "
                            + "or raise the heap with FFNKIT_JAVA_OPTS=-Xmx<size>", maxTokens, d, width, bytes / 1e9,
                    heap / 1e9));
        }
    }

    private static boolean tableFormat(String s) {
        try {
            return LookupLayerBench.parseTableFormat(s);
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage());
        }
    }

    private static int[] pair(String s, String flag) {
        String[] p = s.trim().toLowerCase(java.util.Locale.ROOT).split("x");
        try {
            if (p.length == 2) {
                int a = Integer.parseInt(p[0]);
                int b = Integer.parseInt(p[1]);
                if (a >= 1 && b >= 0) {
                    return new int[] {a, b};
                }
            }
        } catch (NumberFormatException e) {
            // fall through to the message
        }
        throw new UserError(flag + " takes AxB with positive integers, e.g. 1x11 or 128x8; got '" + s + "'");
    }
}
