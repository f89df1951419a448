package ffnkit.compress;

import ffnkit.model.DenseFeedForward;
import ffnkit.model.DenseLinear;
import ffnkit.model.Encoder;
import ffnkit.model.FeedForward;
import ffnkit.model.Linear;
import ffnkit.model.LinearFeedForward;
import ffnkit.model.LowRankLinear;
import ffnkit.model.QuantizedLinear;
import ffnkit.model.SplitFeedForward;
import org.ejml.data.DMatrixRMaj;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The closed-form correction that stands in for fine-tuning. After compression, the light part's
 * last factor B (its down-projection, or the B of a low-rank down-projection) and the output bias
 * are refit by least squares on calibration tokens so that heavy + light best matches the
 * original FFN:
 * <pre>
 *   Z = features of the light part before its last factor, T = FFN(x) − FFN_H'(x)
 *   min_{B, b} ||Z·B + 1·b − T||² + λ·||B − B₀||²   (ridge towards the compressed B₀, not towards 0)
 *   (ZᵀZ + λI)·B + ... = ZᵀT + λ·B₀           (normal equations over [Z 1], in double)
 * </pre>
 * One streaming pass over the texts with the ORIGINAL model (its layer inputs), accumulating
 * [Z 1]ᵀ[Z 1] and [Z 1]ᵀT per layer; nothing is stored per token.
 * <p>
 * A quantised light part keeps its codes (a float refit would undo them): the split's heavy rows of
 * V are refit instead, with Z the heavy activations and T = FFN(x) − (light part without b2)(x).
 */
public final class Refit {

    private Refit() {
    }

    /**
     * What a layer's refit changed: the calibration MSE per token before and after (after: of the
     * float fit; an 8-bit heavy part's refit rows are quantised again after it).
     */
    public record LayerResult(double mseBefore, double mseAfter) {
    }

    /**
     * @param encoder    the original model (dense FFNs in place)
     * @param compressed per layer, the compressed slot: a {@link LinearFeedForward} (the vanilla
     *                   method) or a split whose light part is one, with a dense or low-rank down-projection
     * @param ridge      λ relative to the mean diagonal of ZᵀZ
     * @return per layer, the refit slot (same class and shape as given)
     */
    public static List<FeedForward> run(Encoder encoder, List<FeedForward> compressed, List<int[]> ids, int batchTexts,
                                        double ridge, List<LayerResult> results) {
        int layers = encoder.layers().size();
        List<Accumulator> acc = new ArrayList<>();
        for (int l = 0; l < layers; l++) {
            FeedForward orig = encoder.layers().get(l).feedForward();
            if (!(orig instanceof DenseFeedForward dense)) {
                throw new IllegalArgumentException("refit needs the original model; layer " + l + " holds a "
                        + orig.getClass().getSimpleName());
            }
            acc.add(new Accumulator(dense, compressed.get(l)));
        }
        for (int from = 0; from < ids.size(); from += batchTexts) {
            int[][] batch = ids.subList(from, Math.min(ids.size(), from + batchTexts)).toArray(new int[0][]);
            encoder.hiddenStates(batch, (layer, x, rows) -> {
                Accumulator a = acc.get(layer);
                float[] t = new float[rows * a.d];
                a.original.forward(x, rows, t);
                a.add(x, t, rows);
            });
        }
        List<FeedForward> out = new ArrayList<>();
        for (Accumulator a : acc) {
            out.add(a.solve(ridge, results));
        }
        return out;
    }

    /**
     * The error-correcting variant: layer by layer, each refit sees the inputs x̃ that the already
     * compressed layers below it produce, and is fit so that the pre-LayerNorm sum of the layer
     * (post-LN BERT: LN(x + FFN(x)), x the FFN input) matches the original model's on the same
     * tokens: FFN'(x̃) ≈ FFN(x) + x − x̃. It thereby also absorbs the drift of the layers below.
     * Costs one model pass per layer plus one with the original model, whose FFN inputs are kept
     * (tokens x d floats per layer). Leaves the encoder holding the refit slots.
     */
    public static List<FeedForward> runSequential(Encoder encoder, List<FeedForward> compressed, List<int[]> ids,
                                                  int batchTexts, double ridge, List<LayerResult> results) {
        int layers = encoder.layers().size();
        List<DenseFeedForward> originals = new ArrayList<>();
        for (int l = 0; l < layers; l++) {
            if (!(encoder.layers().get(l).feedForward() instanceof DenseFeedForward dense)) {
                throw new IllegalArgumentException("refit needs the original model; layer " + l + " is compressed");
            }
            originals.add(dense);
        }
        List<int[][]> batches = new ArrayList<>();
        for (int from = 0; from < ids.size(); from += batchTexts) {
            batches.add(ids.subList(from, Math.min(ids.size(), from + batchTexts)).toArray(new int[0][]));
        }
        List<List<float[]>> originalInputs = new ArrayList<>();
        for (int l = 0; l < layers; l++) {
            originalInputs.add(new ArrayList<>());
        }
        for (int[][] batch : batches) {
            encoder.hiddenStates(batch, (layer, x, rows) ->
                    originalInputs.get(layer).add(java.util.Arrays.copyOf(x, rows * originals.get(layer).inputDim())));
        }
        List<FeedForward> out = new ArrayList<>();
        for (int l = 0; l < layers; l++) {
            Accumulator acc = new Accumulator(originals.get(l), compressed.get(l));
            int target = l;
            for (int b = 0; b < batches.size(); b++) {
                float[] xo = originalInputs.get(l).get(b);
                encoder.hiddenStates(batches.get(b), (layer, x, rows) -> {
                    if (layer != target) {
                        return;
                    }
                    float[] t = new float[rows * acc.d];
                    acc.original.forward(xo, rows, t);
                    for (int i = 0; i < t.length; i++) {
                        t[i] += xo[i] - x[i];
                    }
                    acc.add(x, t, rows);
                });
            }
            originalInputs.get(l).clear();
            FeedForward refit = acc.solve(ridge, results);
            encoder.layers().get(l).setFeedForward(refit);
            out.add(refit);
        }
        return out;
    }

    /**
     * The parts of a compressed slot the refit touches: {@code fixed} is subtracted from the target,
     * {@code fitted}'s last factor (weights {@code last0}, [featureDim x d], and the output bias
     * {@code bias0}) is refit on the features {@code fitted} computes before it.
     * <ul>
     * <li>A low-rank or dense light part (also the vanilla method): its last factor, the heavy part fixed.
     * <li>A split with a quantised light part, whose codes a float refit would undo: the heavy rows of
     *     the down-projection instead, the light part fixed (without its bias, which the refit
     *     re-estimates). This is {@link HeavyCompensation}'s correction fitted on data, so it also sees
     *     the light up-projection's error through the activation; an 8-bit heavy part is quantised again.
     * </ul>
     */
    private record Parts(FeedForward fixed, LinearFeedForward fitted, Linear features, float[] last0, float[] bias0,
                         Function<DenseLinear, FeedForward> rebuild) {

        static Parts of(FeedForward slot) {
            if (slot instanceof SplitFeedForward s && s.light() instanceof LinearFeedForward light
                    && light.down() instanceof QuantizedLinear q) {
                return heavyRows(s, light, q);
            }
            FeedForward heavy = null;
            FeedForward lightSlot = slot;
            if (slot instanceof SplitFeedForward s) {
                heavy = s.heavy();
                lightSlot = s.light();
            }
            if (!(lightSlot instanceof LinearFeedForward light)) {
                throw new IllegalArgumentException("refit needs a linear FFN light part, got " + lightSlot.getClass().getSimpleName());
            }
            FeedForward h = heavy;
            return switch (light.down()) {
                case LowRankLinear lr when lr.b() instanceof DenseLinear b -> new Parts(h, light, lr.a(),
                        b.weight().toRowMajor(), b.bias(), fit -> join(h, new LinearFeedForward(light.up(),
                        light.activation(), new LowRankLinear(lr.a(), fit))));
                case DenseLinear d -> new Parts(h, light, null, d.weight().toRowMajor(), d.bias(),
                        fit -> join(h, new LinearFeedForward(light.up(), light.activation(), fit)));
                case QuantizedLinear q -> throw new IllegalArgumentException("refit of a quantised light part moves "
                        + "its error into the heavy rows, so it needs a split (heavy fraction above 0)");
                default -> throw new IllegalArgumentException("refit applies to a dense or low-rank light down-projection, not "
                        + light.down().getClass().getSimpleName());
            };
        }

        private static Parts heavyRows(SplitFeedForward s, LinearFeedForward light, QuantizedLinear lightDown) {
            if (!(s.heavy() instanceof LinearFeedForward heavy)) {
                throw new IllegalArgumentException("refit needs a linear FFN heavy part, got "
                        + s.heavy().getClass().getSimpleName());
            }
            float[] rows0 = switch (heavy.down()) {
                case DenseLinear d when d.bias() == null -> d.weight().toRowMajor();
                case QuantizedLinear q when q.bias() == null && q.inputScales() == null -> q.dequantize();
                default -> throw new IllegalArgumentException("refit of the heavy rows needs a float or plain 8-bit "
                        + "heavy down-projection without bias, got " + heavy.down().getClass().getSimpleName());
            };
            LinearFeedForward unbiased = new LinearFeedForward(light.up(), light.activation(),
                    HeavyCompensation.withBias(lightDown, null));
            return new Parts(unbiased, heavy, null, rows0, lightDown.bias(), fit -> {
                Linear rows = heavy.down() instanceof QuantizedLinear q
                        ? Rtn.layer(fit.weight().toRowMajor(), fit.inputDim(), fit.outputDim(), null, q.bits(), q.groupSize(), null)
                        : new DenseLinear(fit.weight().toRowMajor(), fit.inputDim(), fit.outputDim(), null);
                return new SplitFeedForward(new LinearFeedForward(heavy.up(), heavy.activation(), rows),
                        new LinearFeedForward(light.up(), light.activation(), HeavyCompensation.withBias(lightDown, fit.bias())));
            });
        }

        private static FeedForward join(FeedForward heavy, LinearFeedForward light) {
            return heavy == null ? light : new SplitFeedForward(heavy, light);
        }

        int featureDim() {
            return features == null ? fitted.width() : features.outputDim();
        }
    }

    private static final class Accumulator {
        private final DenseFeedForward original;
        private final FeedForward slot;
        private final Parts parts;
        private final int r;
        private final int d;
        private final double[] zz; // [(r+1) x (r+1)]
        private final double[] zt; // [(r+1) x d]
        private double tt;
        private long tokens;

        Accumulator(DenseFeedForward original, FeedForward slot) {
            this.original = original;
            this.slot = slot;
            this.parts = Parts.of(slot);
            this.r = parts.featureDim();
            this.d = original.outputDim();
            zz = new double[(r + 1) * (r + 1)];
            zt = new double[(r + 1) * d];
        }

        /** Adds tokens: x the layer's input, t the target output of the whole FFN slot (modified here). */
        void add(float[] x, float[] t, int rows) {
            if (parts.fixed() != null) {
                float[] f = new float[rows * d];
                parts.fixed().forward(x, rows, f);
                for (int i = 0; i < t.length; i++) {
                    t[i] -= f[i];
                }
            }
            float[] hidden = new float[rows * parts.fitted().width()];
            parts.fitted().up().forward(x, rows, parts.fitted().activation(), null, hidden);
            float[] z = hidden;
            if (parts.features() != null) {
                z = new float[rows * r];
                parts.features().forward(hidden, rows, z);
            }
            int w = r + 1;
            for (int row = 0; row < rows; row++) {
                int zo = row * r;
                int to = row * d;
                for (int i = 0; i <= r; i++) {
                    double zi = i < r ? z[zo + i] : 1;
                    if (zi == 0) {
                        continue;
                    }
                    for (int j = 0; j < r; j++) {
                        zz[i * w + j] += zi * z[zo + j];
                    }
                    zz[i * w + r] += zi;
                    for (int c = 0; c < d; c++) {
                        zt[i * d + c] += zi * t[to + c];
                    }
                }
                for (int c = 0; c < d; c++) {
                    tt += (double) t[to + c] * t[to + c];
                }
            }
            tokens += rows;
        }

        FeedForward solve(double ridge, List<LayerResult> results) {
            int w = r + 1;
            float[] b0 = parts.last0();
            float[] bias0 = parts.bias0();
            DMatrixRMaj theta0 = new DMatrixRMaj(w, d);
            for (int i = 0; i < r; i++) {
                for (int c = 0; c < d; c++) {
                    theta0.set(i, c, b0[i * d + c]);
                }
            }
            for (int c = 0; c < d; c++) {
                theta0.set(r, c, bias0 == null ? 0 : bias0[c]);
            }
            double mean = 0;
            for (int i = 0; i < r; i++) {
                mean += zz[i * w + i];
            }
            double lambda = ridge * Math.max(mean / r, 1e-12);
            DMatrixRMaj m = new DMatrixRMaj(w, w, true, zz.clone());
            DMatrixRMaj rhs = new DMatrixRMaj(w, d, true, zt.clone());
            for (int i = 0; i < r; i++) {
                m.add(i, i, lambda);
                for (int c = 0; c < d; c++) {
                    rhs.add(i, c, lambda * theta0.get(i, c));
                }
            }
            DMatrixRMaj theta = Matrices.solveSpd(m, rhs);
            float[] b = new float[r * d];
            float[] bias = new float[d];
            for (int i = 0; i < r; i++) {
                for (int c = 0; c < d; c++) {
                    b[i * d + c] = (float) theta.get(i, c);
                }
            }
            for (int c = 0; c < d; c++) {
                bias[c] = (float) theta.get(r, c);
            }
            if (results != null) {
                results.add(new LayerResult(mse(theta0), mse(theta)));
            }
            return parts.rebuild().apply(new DenseLinear(b, r, d, bias));
        }

        /** ||[Z 1]·θ − T||² / n from the accumulated moments: (θᵀ·M·θ − 2·θᵀ·ZᵀT + TᵀT) / n. */
        private double mse(DMatrixRMaj theta) {
            int w = r + 1;
            DMatrixRMaj m = new DMatrixRMaj(w, w, true, zz);
            DMatrixRMaj mt = Matrices.mult(m, theta);
            double quad = 0;
            double cross = 0;
            for (int i = 0; i < w; i++) {
                for (int c = 0; c < d; c++) {
                    quad += theta.get(i, c) * mt.get(i, c);
                    cross += theta.get(i, c) * zt[i * d + c];
                }
            }
            return (quad - 2 * cross + tt) / Math.max(1, tokens);
        }
    }

}
