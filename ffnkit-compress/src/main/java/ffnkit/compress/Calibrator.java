package ffnkit.compress;

import ffnkit.kernels.Activation;
import ffnkit.kernels.Gemm;
import ffnkit.kernels.PackedMatrix;
import ffnkit.model.DenseFeedForward;
import ffnkit.model.Encoder;
import ffnkit.model.FeedForward;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntConsumer;

/**
 * Runs a model over calibration texts and accumulates {@link LayerStatistics} for every FFN
 * through the encoder's FFN observer: streaming sums only, batch by batch.
 */
public final class Calibrator {

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    /**
     * @param threshold      |activation| above which a token counts as firing the neuron
     * @param activationGram also collect Hᵀ·H [m x m] (needed to whiten the down-projection)
     * @param batchTexts     texts per forward pass
     */
    public record Options(double threshold, boolean activationGram, int batchTexts) {

        public static Options defaults() {
            return new Options(0.1, false, 32);
        }
    }

    private Calibrator() {
    }

    /**
     * @param ids      token ids of each calibration text
     * @param progress called with the number of texts done after each batch (may be null)
     */
    public static Calibration run(String modelName, Encoder encoder, List<int[]> ids, Options options,
                                  IntConsumer progress) {
        List<Accumulator> acc = new ArrayList<>();
        for (int l = 0; l < encoder.layers().size(); l++) {
            FeedForward f = encoder.layers().get(l).feedForward();
            if (!(f instanceof DenseFeedForward dense)) {
                throw new IllegalArgumentException("layer " + l + " has a " + f.getClass().getSimpleName()
                        + " FFN: calibrate the original (dense) model, not a compressed one");
            }
            acc.add(new Accumulator(dense, options));
        }
        long tokens = 0;
        for (int from = 0; from < ids.size(); from += options.batchTexts()) {
            int to = Math.min(ids.size(), from + options.batchTexts());
            int[][] batch = ids.subList(from, to).toArray(new int[0][]);
            int rows = 0;
            for (int[] t : batch) {
                rows += t.length;
            }
            int[] half = new int[rows];
            int r = 0;
            for (int t = 0; t < batch.length; t++) {
                Arrays.fill(half, r, r + batch[t].length, (from + t) % 2);
                r += batch[t].length;
            }
            encoder.hiddenStates(batch, (layer, x, n) -> acc.get(layer).add(x, n, half));
            tokens += rows;
            if (progress != null) {
                progress.accept(to);
            }
        }
        List<LayerStatistics> layers = new ArrayList<>();
        for (Accumulator a : acc) {
            layers.add(a.result());
        }
        return new Calibration(modelName, ids.size(), tokens, layers);
    }

    /** The running sums of one layer. */
    private static final class Accumulator {
        private final DenseFeedForward ffn;
        private final Options options;
        private final int d;
        private final int m;
        private long tokens;
        private final double[] sumSquares;
        private final double[][] halfSumSquares;
        private final long[] countAbove;
        private final float[] maxAbs;
        private final double[] gram;
        private final double[] inputSum;
        private final double[] activationGram;
        private final double[] activationSum;

        Accumulator(DenseFeedForward ffn, Options options) {
            this.ffn = ffn;
            this.options = options;
            this.d = ffn.inputDim();
            this.m = ffn.width();
            sumSquares = new double[m];
            halfSumSquares = new double[2][m];
            countAbove = new long[m];
            maxAbs = new float[m];
            gram = new double[d * d];
            inputSum = new double[d];
            activationGram = options.activationGram() ? new double[m * m] : null;
            activationSum = options.activationGram() ? new double[m] : null;
        }

        void add(float[] x, int rows, int[] half) {
            float[] h = new float[rows * m];
            ffn.up().forward(x, rows, ffn.activation(), null, h);
            float threshold = (float) options.threshold();
            for (int r = 0; r < rows; r++) {
                double[] halfSums = halfSumSquares[half[r]];
                int off = r * m;
                for (int j = 0; j < m; j++) {
                    float v = h[off + j];
                    double sq = (double) v * v;
                    sumSquares[j] += sq;
                    halfSums[j] += sq;
                    float a = Math.abs(v);
                    if (a > threshold) {
                        countAbove[j]++;
                    }
                    if (a > maxAbs[j]) {
                        maxAbs[j] = a;
                    }
                }
            }
            addGram(x, rows, d, gram, inputSum);
            if (activationGram != null) {
                addGramByGemm(h, rows, m, activationGram, activationSum);
            }
            tokens += rows;
        }

        LayerStatistics result() {
            float[] norms = new float[m];
            float[] v = ffn.down().weight().toRowMajor();
            for (int j = 0; j < m; j++) {
                double s = 0;
                for (int c = 0; c < d; c++) {
                    s += (double) v[j * d + c] * v[j * d + c];
                }
                norms[j] = (float) Math.sqrt(s);
            }
            return new LayerStatistics(d, m, tokens, options.threshold(), sumSquares, halfSumSquares, countAbove, maxAbs,
                    norms, gram, inputSum, activationGram, activationSum);
        }
    }

    /**
     * G += Xᵀ·X and sum += Σ rows. The batch's products are summed in float (a few thousand rows at
     * most), then added into the double accumulator, so precision does not degrade with corpus size.
     */
    static void addGram(float[] x, int rows, int d, double[] gram, double[] sum) {
        float[] g = new float[d * d];
        int bound = S.loopBound(d);
        for (int r = 0; r < rows; r++) {
            int off = r * d;
            for (int i = 0; i < d; i++) {
                float xi = x[off + i];
                FloatVector vi = FloatVector.broadcast(S, xi);
                int j = 0;
                for (; j < bound; j += S.length()) {
                    FloatVector.fromArray(S, x, off + j).fma(vi, FloatVector.fromArray(S, g, i * d + j)).intoArray(g, i * d + j);
                }
                for (; j < d; j++) {
                    g[i * d + j] += xi * x[off + j];
                }
                sum[i] += xi;
            }
        }
        for (int k = 0; k < g.length; k++) {
            gram[k] += g[k];
        }
    }

    /** Hᵀ·H for wide H through the GEMM kernel (m² · rows FLOPs: too many for the simple loop). */
    private static void addGramByGemm(float[] h, int rows, int m, double[] gram, double[] sum) {
        float[] ht = new float[m * rows];
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < m; j++) {
                ht[j * rows + r] = h[r * m + j];
                sum[j] += h[r * m + j];
            }
        }
        float[] g = new float[m * m];
        Gemm.matmul(ht, m, PackedMatrix.pack(h, rows, m), null, Activation.NONE, null, g);
        for (int k = 0; k < g.length; k++) {
            gram[k] += g[k];
        }
    }
}
