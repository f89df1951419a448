package ffnkit.compress;

import ffnkit.kernels.Activation;
import ffnkit.model.DenseFeedForward;
import ffnkit.model.DenseLinear;
import ffnkit.model.Encoder;
import ffnkit.model.EncoderLayer;
import ffnkit.model.FeedForward;
import ffnkit.model.Linear;
import ffnkit.model.LinearFeedForward;
import ffnkit.model.Neurons;
import ffnkit.model.QuantizedLinear;
import ffnkit.model.SplitFeedForward;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.IntConsumer;
import java.util.stream.IntStream;

/**
 * FFSplit compression of a whole encoder (seed paper 000): per layer, split the FFN by heavy
 * hitters, keep the heavy part (float or 8-bit), compress the light part (low rank or 3/4-bit
 * quantisation), and optionally refit the light part's last factor. A heavy fraction of 0 is the
 * vanilla method: the whole FFN compressed the same way, no split.
 */
public final class Compressor {

    public enum Light {
        LOWRANK, RTN, AWQ;

        public static Light parse(String s) {
            return valueOf(s.toUpperCase(Locale.ROOT));
        }
    }

    /**
     * @param heavyFraction share of neurons kept as heavy hitters (0 = no split)
     * @param light         how the light part (or, without a split, the whole FFN) is compressed
     * @param rank          low rank: a fraction of the full rank min(in, out) when below 1, else an absolute rank
     * @param whiten        low rank: data-aware (whitened, centred) SVD instead of the plain SVD of W
     * @param refit         least-squares refit of the light part's last factor and the output bias; with a
     *                      quantised light part (split only), of the heavy rows of V and the output bias
     * @param bits          quantised light part: bits per weight (2-8)
     * @param heavyBits     32 (float) or 8 (RTN 8-bit, the paper's OPT setting)
     * @param groupSize     quantisation group size along the input dimension
     * @param damping       whitening: Cholesky damping relative to the mean Gram diagonal
     * @param ridge         refit: ridge relative to the mean feature energy
     * @param sequential    refit layer by layer on the compressed model's own inputs, correcting the
     *                      drift of the layers below ({@link Refit#runSequential}); else one pass on
     *                      the original model's inputs
     * @param upRankShare   low rank: the share of the two projections' rank budget (2r) given to the
     *                      up-projection (0.5: r each; the parameters are the same for any share, since
     *                      both projections are [d x m] or [m x d])
     * @param compensate    split only: move the light down-projection's error into the heavy rows
     *                      ({@link HeavyCompensation}); the light part's activation statistics become
     *                      the part the heavy activations do not predict
     */
    public record Options(double heavyFraction, Light light, double rank, boolean whiten, boolean refit, int bits,
                          int heavyBits, int groupSize, Importance importance, double damping, double ridge,
                          int batchTexts, boolean sequential, boolean compensate, double upRankShare) {

        public Options {
            if (heavyFraction < 0 || heavyFraction >= 1) {
                throw new IllegalArgumentException("heavy fraction must be in [0, 1), got " + heavyFraction);
            }
            if (heavyBits != 8 && heavyBits != 32) {
                throw new IllegalArgumentException("heavy bits must be 8 or 32, got " + heavyBits);
            }
            if (light != Light.LOWRANK && (bits < 2 || bits > 8)) {
                throw new IllegalArgumentException("bits must be 2 to 8, got " + bits);
            }
            if (!(upRankShare > 0 && upRankShare < 1)) {
                throw new IllegalArgumentException("up-rank share must be in (0, 1), got " + upRankShare);
            }
            if (refit && light != Light.LOWRANK && heavyFraction == 0) {
                throw new IllegalArgumentException("refit of a quantised light part moves its error into the heavy "
                        + "rows, so it needs a split (heavy fraction above 0)");
            }
        }

        /** The paper's BERT setting: 25% heavy (float), light part low rank at 10% of full rank, plain SVD. */
        public static Options defaults() {
            return new Options(0.25, Light.LOWRANK, 0.1, false, false, 3, 32, 128, Importance.OUTPUT_NORM, 1e-4, 1e-3, 32, false, false, 0.5);
        }

        public Options withHeavy(double f) {
            return new Options(f, light, rank, whiten, refit, bits, heavyBits, groupSize, importance, damping, ridge, batchTexts, sequential, compensate, upRankShare);
        }

        public Options withLight(Light l) {
            return new Options(heavyFraction, l, rank, whiten, refit, bits, heavyBits, groupSize, importance, damping, ridge, batchTexts, sequential, compensate, upRankShare);
        }

        public Options withRank(double r) {
            return new Options(heavyFraction, light, r, whiten, refit, bits, heavyBits, groupSize, importance, damping, ridge, batchTexts, sequential, compensate, upRankShare);
        }

        public Options withWhiten(boolean w) {
            return new Options(heavyFraction, light, rank, w, refit, bits, heavyBits, groupSize, importance, damping, ridge, batchTexts, sequential, compensate, upRankShare);
        }

        public Options withRefit(boolean r) {
            return new Options(heavyFraction, light, rank, whiten, r, bits, heavyBits, groupSize, importance, damping, ridge, batchTexts, sequential, compensate, upRankShare);
        }

        public Options withBits(int b) {
            return new Options(heavyFraction, light, rank, whiten, refit, b, heavyBits, groupSize, importance, damping, ridge, batchTexts, sequential, compensate, upRankShare);
        }

        public Options withHeavyBits(int b) {
            return new Options(heavyFraction, light, rank, whiten, refit, bits, b, groupSize, importance, damping, ridge, batchTexts, sequential, compensate, upRankShare);
        }

        public Options withGroupSize(int g) {
            return new Options(heavyFraction, light, rank, whiten, refit, bits, heavyBits, g, importance, damping, ridge, batchTexts, sequential, compensate, upRankShare);
        }

        public Options withSequential(boolean s) {
            return new Options(heavyFraction, light, rank, whiten, refit, bits, heavyBits, groupSize, importance, damping, ridge, batchTexts, s, compensate, upRankShare);
        }

        public Options withCompensate(boolean c) {
            return new Options(heavyFraction, light, rank, whiten, refit, bits, heavyBits, groupSize, importance, damping, ridge, batchTexts, sequential, c, upRankShare);
        }

        public Options withUpRankShare(double share) {
            return new Options(heavyFraction, light, rank, whiten, refit, bits, heavyBits, groupSize, importance, damping, ridge, batchTexts, sequential, compensate, share);
        }

        public Options withImportance(Importance i) {
            return new Options(heavyFraction, light, rank, whiten, refit, bits, heavyBits, groupSize, i, damping, ridge, batchTexts, sequential, compensate, upRankShare);
        }

        /** A short label for tables, e.g. "split25 lowrank r0.1 whiten refit". */
        public String label() {
            StringBuilder b = new StringBuilder(heavyFraction == 0 ? "vanilla" : "split" + Math.round(heavyFraction * 100));
            b.append(' ').append(light.name().toLowerCase(Locale.ROOT));
            if (light == Light.LOWRANK) {
                b.append(" r").append(rank < 1 ? String.valueOf(rank) : String.valueOf((int) rank));
                b.append(whiten ? " whiten" : " svd").append(refit ? (sequential ? " seqrefit" : " refit") : "");
                if (upRankShare != 0.5) {
                    b.append(" up").append(upRankShare);
                }
            } else {
                b.append(' ').append(bits).append("bit g").append(groupSize).append(refit ? (sequential ? " seqrefit" : " refit") : "");
            }
            if (heavyFraction > 0 && heavyBits == 8) {
                b.append(" heavy8");
            }
            if (heavyFraction > 0 && importance == Importance.LIGHT_ERROR) {
                b.append(" light-error");
            }
            if (heavyFraction > 0 && compensate) {
                b.append(" comp");
            }
            return b.toString();
        }
    }

    /** Sizes before and after (FFN slots, and the encoder without embeddings; bytes include everything). */
    public record Report(long ffnParamsBefore, long ffnParamsAfter, long ffnBytesBefore, long ffnBytesAfter,
                         long nonEmbeddingParamsBefore, long nonEmbeddingParamsAfter, long bytesBefore, long bytesAfter,
                         List<Refit.LayerResult> refit) {
    }

    private Compressor() {
    }

    /**
     * Replaces every layer's FFN slot of {@code encoder} (which must hold the original dense FFNs).
     *
     * @param refitIds calibration texts for the refit pass (only when {@code options.refit()})
     */
    public static Report compress(Encoder encoder, Calibration calibration, Options options, List<int[]> refitIds,
                                  IntConsumer layerDone) {
        if (calibration.layers().size() != encoder.layers().size()) {
            throw new IllegalArgumentException("calibration has " + calibration.layers().size() + " layers, the model "
                    + encoder.layers().size());
        }
        Sizes before = Sizes.of(encoder);
        List<FeedForward> slots = new ArrayList<>();
        for (int l = 0; l < encoder.layers().size(); l++) {
            FeedForward f = encoder.layers().get(l).feedForward();
            if (!(f instanceof DenseFeedForward dense)) {
                throw new IllegalArgumentException("layer " + l + " is already compressed (" + f.getClass().getSimpleName() + ")");
            }
            int full = Math.min(dense.inputDim(), dense.width());
            if (options.light() == Light.LOWRANK && options.rank() >= 1 && options.rank() > full) {
                throw new IllegalArgumentException("rank " + (long) options.rank() + " exceeds the full rank " + full
                        + " of layer " + l + "'s FFN matrices: give at most " + full + ", or a fraction below 1");
            }
            slots.add(compressLayer(l, dense, calibration.layer(l), options));
            if (layerDone != null) {
                layerDone.accept(l);
            }
        }
        List<Refit.LayerResult> refit = new ArrayList<>();
        if (options.refit()) {
            if (refitIds == null || refitIds.isEmpty()) {
                throw new IllegalArgumentException("refit needs calibration texts");
            }
            slots = options.sequential()
                    ? Refit.runSequential(encoder, slots, refitIds, options.batchTexts(), options.ridge(), refit)
                    : Refit.run(encoder, slots, refitIds, options.batchTexts(), options.ridge(), refit);
        }
        for (int l = 0; l < slots.size(); l++) {
            encoder.layers().get(l).setFeedForward(slots.get(l));
        }
        Sizes after = Sizes.of(encoder);
        return new Report(before.ffnParams, after.ffnParams, before.ffnBytes, after.ffnBytes, before.nonEmbeddingParams,
                after.nonEmbeddingParams, before.bytes, after.bytes, refit);
    }

    /**
     * {@link #compressLayer(DenseFeedForward, LayerStatistics, Options)}, with a numerical failure
     * reported as what it means: the layer's statistics cannot be whitened or searched with, which
     * happens when they are degenerate, not because of a bug.
     */
    private static FeedForward compressLayer(int layer, DenseFeedForward f, LayerStatistics stats, Options o) {
        if (stats.tokens() == 0 || zeroDiagonal(stats.inputGram(), stats.inputDim())) {
            throw new IllegalArgumentException("layer " + layer + ": the calibration statistics are empty ("
                    + stats.tokens() + " tokens, all-zero input Gram matrix): the calibration file is damaged; "
                    + "re-run ffnkit calibrate");
        }
        try {
            return compressLayer(f, stats, o);
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("layer " + layer + ": " + e.getMessage() + ", so its calibration "
                    + "statistics are degenerate (calibrated on too few tokens, " + stats.tokens() + ", or a damaged "
                    + "calibration file): re-run ffnkit calibrate on more text", e);
        }
    }

    private static boolean zeroDiagonal(double[] gram, int dim) {
        for (int k = 0; k < dim; k++) {
            if (gram[k * dim + k] != 0) {
                return false;
            }
        }
        return true;
    }

    /** One layer: the split (or not) and the compression of each part. */
    public static FeedForward compressLayer(DenseFeedForward f, LayerStatistics stats, Options o) {
        int d = f.inputDim();
        int m = f.width();
        float[] u = f.up().weight().toRowMajor();
        float[] b1 = f.up().bias();
        float[] v = f.down().weight().toRowMajor();
        float[] b2 = f.down().bias();
        Activation act = f.activation();
        if (o.heavyFraction() == 0) {
            int[] all = IntStream.range(0, m).toArray();
            return new LinearFeedForward(light(u, d, m, b1, Gram.input(stats), true, o),
                    act, light(v, m, d, b2, o.whiten() || o.light() == Light.AWQ ? Gram.activations(stats, all) : null, false, o));
        }
        int[] heavy = HeavyHitters.heavySet(heavyScores(u, b1, v, b2, stats, o), o.heavyFraction());
        int[] rest = HeavyHitters.complement(heavy, m);
        int h = heavy.length;
        // neurons permuted so each part's are contiguous: columns of U and b1, rows of V
        float[] heavyDown = Neurons.rows(v, d, heavy);
        float[] lightDown = Neurons.rows(v, d, rest);
        Gram lightActivations = o.whiten() || o.light() == Light.AWQ
                ? o.compensate() ? HeavyCompensation.conditional(stats, heavy, rest, o.damping()) : Gram.activations(stats, rest)
                : null;
        // b2 belongs to the light part: its refit (and the whitened bias correction) re-estimates it
        Linear lightDownCompressed = light(lightDown, rest.length, d, b2, lightActivations, false, o);
        if (o.compensate()) {
            HeavyCompensation.Result c = HeavyCompensation.solve(stats, heavy, rest, heavyDown, lightDown,
                    lightDownCompressed, b2, o.damping());
            heavyDown = c.heavyRows();
            lightDownCompressed = c.light();
        }
        FeedForward heavyPart = new LinearFeedForward(
                heavyLinear(Neurons.columns(u, d, m, heavy), d, h, Neurons.pick(b1, heavy), o), act,
                heavyLinear(heavyDown, h, d, null, o));
        FeedForward lightPart = new LinearFeedForward(
                light(Neurons.columns(u, d, m, rest), d, rest.length, Neurons.pick(b1, rest), Gram.input(stats), true, o), act,
                lightDownCompressed);
        return new SplitFeedForward(heavyPart, lightPart);
    }

    /** Heavy-hitter scores of one layer: from the statistics, or (light-error) from the light method's own error. */
    private static double[] heavyScores(float[] u, float[] b1, float[] v, float[] b2, LayerStatistics stats, Options o) {
        if (o.importance() != Importance.LIGHT_ERROR) {
            return o.importance().scores(stats);
        }
        int d = stats.inputDim();
        int m = stats.width();
        Gram activations = Gram.activations(stats, IntStream.range(0, m).toArray());
        return LightError.scores(u, b1, v, b2, light(u, d, m, b1, Gram.input(stats), true, o),
                light(v, m, d, b2, activations, false, o), Gram.input(stats), activations);
    }

    /**
     * The split alone, nothing compressed: heavy neurons and the rest as two dense FFNs (the light
     * part holds b2). Computes the original FFN up to float summation order.
     */
    public static SplitFeedForward split(DenseFeedForward f, int[] heavy) {
        int d = f.inputDim();
        int m = f.width();
        int[] rest = HeavyHitters.complement(heavy, m);
        float[] u = f.up().weight().toRowMajor();
        float[] v = f.down().weight().toRowMajor();
        return new SplitFeedForward(
                new LinearFeedForward(new DenseLinear(Neurons.columns(u, d, m, heavy), d, heavy.length, Neurons.pick(f.up().bias(), heavy)),
                        f.activation(), new DenseLinear(Neurons.rows(v, d, heavy), heavy.length, d, null)),
                new LinearFeedForward(new DenseLinear(Neurons.columns(u, d, m, rest), d, rest.length, Neurons.pick(f.up().bias(), rest)),
                        f.activation(), new DenseLinear(Neurons.rows(v, d, rest), rest.length, d, f.down().bias())));
    }

    private static Linear heavyLinear(float[] w, int in, int out, float[] bias, Options o) {
        // A heavy down-projection has one input row per heavy neuron: with fewer neurons than the
        // group size, a full group would pad the codes and cost more bytes than float32 weights.
        return o.heavyBits() == 32 ? new DenseLinear(w, in, out, bias)
                : Rtn.layer(w, in, out, bias, 8, Math.min(o.groupSize(), in), null);
    }

    /**
     * The light method applied to one layer; {@code stats} are its input's moments (null when not
     * needed), {@code up} says whether it is the up-projection (low rank: it takes the up-rank share
     * of the budget 2r, the down-projection the rest, each clamped to 1..its full rank).
     */
    private static Linear light(float[] w, int in, int out, float[] bias, Gram stats, boolean up, Options o) {
        return switch (o.light()) {
            case LOWRANK -> {
                int r = LowRank.rank(o.rank(), in, out);
                if (o.upRankShare() != 0.5) {
                    int upRank = (int) Math.round(2 * r * o.upRankShare());
                    r = Math.max(1, Math.min(Math.min(in, out), up ? upRank : 2 * r - upRank));
                }
                yield o.whiten() ? LowRank.whitened(w, in, out, bias, r, stats, o.damping(), true)
                        : LowRank.plain(w, in, out, bias, r);
            }
            case RTN -> Rtn.layer(w, in, out, bias, o.bits(), o.groupSize(), null);
            case AWQ -> Awq.quantize(w, in, out, bias, o.bits(), o.groupSize(), stats).layer();
        };
    }

    // ---- budgets ----

    /** FFN parameters and bytes summed over the layers. */
    public static long ffnParameters(Encoder e) {
        return e.layers().stream().mapToLong(l -> l.feedForward().parameterCount()).sum();
    }

    public static long ffnBytes(Encoder e) {
        return e.layers().stream().mapToLong(l -> l.feedForward().byteSize()).sum();
    }

    /**
     * The paper's fair baseline: the vanilla method (no split) at the budget another model spends.
     * Low rank: the rank whose FFN parameters, 2·r·(d + m) + m + d per layer, come nearest
     * {@code targetFfnParams}. Quantisation: the largest bit width whose bytes fit in
     * {@code targetFfnBytes} (2 bits if none does).
     */
    public static Options matchBudget(Options o, int layers, int d, int m, long targetFfnParams, long targetFfnBytes) {
        // the vanilla method has no heavy rows, so a quantised split's refit has no counterpart there
        Options vanilla = o.withRefit(o.refit() && o.light() == Light.LOWRANK).withHeavy(0).withCompensate(false);
        if (o.light() == Light.LOWRANK) {
            double perLayer = (double) targetFfnParams / layers;
            int r = (int) Math.round((perLayer - m - d) / (2.0 * (d + m)));
            return vanilla.withRank(Math.max(1, Math.min(Math.min(d, m), r)));
        }
        boolean scales = o.light() == Light.AWQ;
        int best = 2;
        for (int b = 2; b <= 8; b++) {
            long bytes = layers * (QuantizedLinear.byteSize(d, m, b, o.groupSize(), true, scales)
                    + QuantizedLinear.byteSize(m, d, b, o.groupSize(), true, scales));
            if (bytes <= targetFfnBytes) {
                best = b;
            }
        }
        return vanilla.withBits(best);
    }

    // ---- helpers ----

    private record Sizes(long ffnParams, long ffnBytes, long nonEmbeddingParams, long bytes) {
        static Sizes of(Encoder e) {
            long ffn = 0;
            long ffnBytes = 0;
            long other = 0;
            for (EncoderLayer l : e.layers()) {
                ffn += l.feedForward().parameterCount();
                ffnBytes += l.feedForward().byteSize();
                other += l.qkv().parameterCount() + l.attentionOutput().parameterCount()
                        + 2L * l.attentionNorm().dim() + 2L * l.outputNorm().dim();
            }
            long embeddings = (long) e.wordEmbeddings().length + e.positionEmbeddings().length
                    + e.tokenTypeEmbeddings().length + 2L * e.embeddingNorm().dim();
            return new Sizes(ffn, ffnBytes, ffn + other, ffnBytes + 4 * (other + embeddings));
        }
    }



}
