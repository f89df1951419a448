package ffnkit.fff;

import ffnkit.kernels.Activation;
import ffnkit.kernels.MathFunctions;
import ffnkit.model.DenseFeedForward;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;

/**
 * Turns a pretrained dense FFN, act(x·U + b1)·V + b2, into a {@link FastFeedForward} that
 * reproduces its output on calibration inputs: initialise the tree from the dense FFN's own
 * neurons, then layer-wise distillation ({@link FffTrainer}, MSE to the dense output).
 *
 * <p><b>Initialisation from dense neurons, and why.</b> A node of the tree is exactly a dense
 * neuron in shape (a row of W_in with a bias, a row of W_out), and in UltraFastBERT the node's own
 * pre-activation also routes (l > 0: right). So each node is given one dense neuron j (U[:,j],
 * b1[j], V[j,:]), chosen greedily top-down: node v sees the calibration tokens S_v that reach it
 * under the routing built so far, and takes the neuron that maximises
 * <pre>   score_j(S_v) = ||V[j,:]||² · sum_{t in S_v} GELU(h_tj)² · 4·f_j·(1 - f_j)</pre>
 * where h = x·U + b1 and f_j is the fraction of S_v with h_tj > 0. The first factors are the
 * output energy neuron j carries on those tokens (the FFSplit heavy-hitter score restricted to
 * S_v): with only D+1 neurons per token, each should be one of the heaviest for the tokens that
 * evaluate it. The balance factor (1 for an even split, 0 for a useless one) is applied at
 * internal nodes only, since their sign also routes, and an unbalanced split wastes half of the
 * subtree. So heavy, evenly splitting neurons land at the top levels, and deeper nodes specialise
 * to the tokens of their region. A neuron is never used twice on one path (it would be counted
 * twice) and may repeat in different branches. With K trees a token's K paths are summed, so the
 * trees must not share neurons either (a neuron on two of a token's paths counts twice): the
 * neurons, ranked by their global score, are dealt round-robin to the trees and each tree draws
 * only from its own share (so every tree gets heavy neurons for its top levels).
 * Then one global scale of W_out and a new b2 are fitted by least squares on the training tokens,
 * so the initial error is not dominated by the wrong magnitude and the missing average output of
 * the ~(m - D - 1) neurons a path drops.
 */
public final class FffConverter {

    /**
     * The converted layer and its relative errors ||y_fff - y|| / ||y|| against the dense output.
     * meanBaselineError: the same error for a constant output (the mean dense output on the
     * training rows), held out: the scale against which "small" should be read, since FFN outputs
     * of some layers are dominated by a constant direction.
     */
    public record Report(FastFeedForward fff, int trainRows, int heldOutRows, double meanBaselineError,
                         double initHeldOutError, double finalHeldOutError, double finalTrainError,
                         FffTrainer.Result training) {
    }

    private FffConverter() {
    }

    public static FastFeedForward convert(DenseFeedForward dense, float[] calibrationInputs, int rows,
                                          FffConvertOptions opts) {
        return convertWithReport(dense, calibrationInputs, rows, opts).fff();
    }

    public static Report convertWithReport(DenseFeedForward dense, float[] calibrationInputs, int rows,
                                           FffConvertOptions opts) {
        int d = dense.inputDim();
        int dOut = dense.outputDim();
        // Held-out split: a seeded permutation, the last heldOutFraction of it is held out.
        int[] perm = FffTrainer.permutation(rows, opts.seed() ^ 0x5eedL);
        int heldOut = (int) Math.round(rows * opts.heldOutFraction());
        int train = rows - heldOut;
        float[] xTrain = gatherRows(calibrationInputs, d, perm, 0, train);
        float[] xHeld = gatherRows(calibrationInputs, d, perm, train, rows);
        float[] yTrain = new float[train * dOut];
        float[] yHeld = new float[heldOut * dOut];
        dense.forward(xTrain, train, yTrain);
        if (heldOut > 0) {
            dense.forward(xHeld, heldOut, yHeld);
        }
        FastFeedForward f = opts.init() == FffConvertOptions.Init.RANDOM
                ? FastFeedForward.random(opts.trees(), opts.depth(), d, dOut, opts.seed())
                : initFromDense(dense, xTrain, yTrain, train, opts.trees(), opts.depth());
        double meanErr = heldOut > 0 ? meanBaselineError(yTrain, train, yHeld, heldOut, dOut) : Double.NaN;
        double initErr = heldOut > 0 ? FffTrainer.relativeError(f, xHeld, yHeld, heldOut) : Double.NaN;
        FffTrainer.Result result;
        try {
            result = FffTrainer.train(f, xTrain, yTrain, train, opts.training());
        } catch (IOException e) {
            throw new UncheckedIOException("FFF conversion checkpoint", e);
        }
        double finalErr = heldOut > 0 ? FffTrainer.relativeError(f, xHeld, yHeld, heldOut) : Double.NaN;
        double trainErr = FffTrainer.relativeError(f, xTrain, yTrain, train);
        return new Report(f, train, heldOut, meanErr, initErr, finalErr, trainErr, result);
    }

    private static double meanBaselineError(float[] yTrain, int train, float[] yHeld, int heldOut, int dOut) {
        double[] mean = new double[dOut];
        for (int t = 0; t < train; t++) {
            for (int c = 0; c < dOut; c++) {
                mean[c] += yTrain[t * dOut + c];
            }
        }
        double num = 0;
        double den = 0;
        for (int t = 0; t < heldOut; t++) {
            for (int c = 0; c < dOut; c++) {
                double e = yHeld[t * dOut + c] - mean[c] / train;
                num += e * e;
                den += (double) yHeld[t * dOut + c] * yHeld[t * dOut + c];
            }
        }
        return Math.sqrt(num / Math.max(den, Double.MIN_NORMAL));
    }

    private static float[] gatherRows(float[] x, int d, int[] perm, int from, int to) {
        float[] out = new float[(to - from) * d];
        for (int i = from; i < to; i++) {
            System.arraycopy(x, perm[i] * d, out, (i - from) * d, d);
        }
        return out;
    }

    /** The greedy top-down neuron assignment described in the class comment. */
    static FastFeedForward initFromDense(DenseFeedForward dense, float[] x, float[] y, int rows, int trees,
                                         int depth) {
        int d = dense.inputDim();
        int dOut = dense.outputDim();
        int m = dense.width();
        float[] u = dense.up().weight().toRowMajor(); // [d x m]
        float[] b1 = dense.up().bias() == null ? new float[m] : dense.up().bias();
        float[] v = dense.down().weight().toRowMajor(); // [m x dOut]
        float[] h = new float[rows * m];
        dense.up().forward(x, rows, Activation.NONE, null, h);
        float[] g2 = new float[rows * m]; // GELU(h)²
        for (int i = 0; i < h.length; i++) {
            float a = MathFunctions.gelu(h[i]);
            g2[i] = a * a;
        }
        double[] vNorm2 = new double[m];
        for (int j = 0; j < m; j++) {
            for (int c = 0; c < dOut; c++) {
                vNorm2[j] += (double) v[j * dOut + c] * v[j * dOut + c];
            }
        }
        int n = FastFeedForward.nodesPerTree(depth);
        int firstLeaf = n / 2;
        FastFeedForward f = FastFeedForward.zeros(trees, depth, d, dOut);
        int[] chosen = new int[trees * n];
        int[] nodeOf = new int[rows];
        double[] energy = new double[m];
        int[] positive = new int[m];
        int[] treeOf = dealNeurons(g2, h, vNorm2, rows, m, trees);
        for (int k = 0; k < trees; k++) {
            Arrays.fill(nodeOf, 0);
            for (int level = 0; level <= depth; level++) {
                int first = (1 << level) - 1;
                int width = 1 << level;
                int[][] members = groupByNode(nodeOf, rows, first, width);
                for (int b = 0; b < width; b++) {
                    int node = first + b;
                    int[] s = members[b];
                    Arrays.fill(energy, 0);
                    Arrays.fill(positive, 0);
                    for (int t : s) {
                        int off = t * m;
                        for (int j = 0; j < m; j++) {
                            energy[j] += g2[off + j];
                            positive[j] += h[off + j] > 0 ? 1 : 0;
                        }
                    }
                    boolean internal = node < firstLeaf;
                    int best = -1;
                    double bestScore = -1;
                    for (int j = 0; j < m; j++) {
                        if (treeOf[j] != k || onPath(chosen, k * n, node, j)) {
                            continue;
                        }
                        double score = vNorm2[j] * (s.length == 0 ? 1 : energy[j]);
                        if (internal && s.length > 0) {
                            double frac = (double) positive[j] / s.length;
                            score *= 4 * frac * (1 - frac);
                        }
                        if (score > bestScore) {
                            bestScore = score;
                            best = j;
                        }
                    }
                    if (best < 0) { // the tree's share is smaller than its depth: any neuron off the path
                        for (int j = 0; j < m && best < 0; j++) {
                            best = onPath(chosen, k * n, node, j) ? -1 : j;
                        }
                        best = Math.max(best, 0);
                    }
                    chosen[k * n + node] = best;
                    int row = k * n + node;
                    for (int i = 0; i < d; i++) {
                        f.wIn()[row * d + i] = u[i * m + best];
                    }
                    f.bIn()[row] = b1[best];
                    System.arraycopy(v, best * dOut, f.wOut(), row * dOut, dOut);
                    for (int t : s) {
                        nodeOf[t] = 2 * node + 1 + (h[t * m + best] > 0 ? 1 : 0);
                    }
                }
            }
        }
        // Output scale and b2: y ≈ α·p + β per output column is fitted by least squares with one
        // global α, p the sum of the path neurons' outputs. With only D+1 of m neurons per path,
        // p has the wrong magnitude and mean (the dropped neurons' average output is missing);
        // α rescales every W_out row, β (per column) becomes b2.
        float[] yf = new float[rows * dOut];
        f.forward(x, rows, yf); // b2 is still 0 here: yf = p
        double[] meanP = new double[dOut];
        double[] meanY = new double[dOut];
        for (int t = 0; t < rows; t++) {
            for (int c = 0; c < dOut; c++) {
                meanP[c] += yf[t * dOut + c];
                meanY[c] += y[t * dOut + c];
            }
        }
        for (int c = 0; c < dOut; c++) {
            meanP[c] /= Math.max(1, rows);
            meanY[c] /= Math.max(1, rows);
        }
        double py = 0;
        double pp = 0;
        for (int t = 0; t < rows; t++) {
            for (int c = 0; c < dOut; c++) {
                double pc = yf[t * dOut + c] - meanP[c];
                py += pc * (y[t * dOut + c] - meanY[c]);
                pp += pc * pc;
            }
        }
        float alpha = pp > 0 ? (float) (py / pp) : 1f;
        for (int i = 0; i < f.wOut().length; i++) {
            f.wOut()[i] *= alpha;
        }
        for (int c = 0; c < dOut; c++) {
            f.b2()[c] = (float) (meanY[c] - alpha * meanP[c]);
        }
        return f;
    }

    private static int[][] groupByNode(int[] nodeOf, int rows, int first, int width) {
        int[] count = new int[width];
        for (int t = 0; t < rows; t++) {
            count[nodeOf[t] - first]++;
        }
        int[][] members = new int[width][];
        for (int b = 0; b < width; b++) {
            members[b] = new int[count[b]];
        }
        int[] fill = new int[width];
        for (int t = 0; t < rows; t++) {
            int b = nodeOf[t] - first;
            members[b][fill[b]++] = t;
        }
        return members;
    }

    /** Is neuron j already used by an ancestor of node (within the tree starting at base)? */
    private static boolean onPath(int[] chosen, int base, int node, int j) {
        for (int a = node; a > 0; ) {
            a = (a - 1) / 2;
            if (chosen[base + a] == j) {
                return true;
            }
        }
        return false;
    }

    /** treeOf[j]: neurons ranked by the root score over all tokens, dealt round-robin to the trees. */
    private static int[] dealNeurons(float[] g2, float[] h, double[] vNorm2, int rows, int m, int trees) {
        double[] energy = new double[m];
        int[] positive = new int[m];
        for (int t = 0; t < rows; t++) {
            for (int j = 0; j < m; j++) {
                energy[j] += g2[t * m + j];
                positive[j] += h[t * m + j] > 0 ? 1 : 0;
            }
        }
        Integer[] rank = new Integer[m];
        double[] score = new double[m];
        for (int j = 0; j < m; j++) {
            rank[j] = j;
            double frac = rows == 0 ? 0.5 : (double) positive[j] / rows;
            score[j] = vNorm2[j] * energy[j] * 4 * frac * (1 - frac);
        }
        Arrays.sort(rank, (a, b) -> Double.compare(score[b], score[a]));
        int[] treeOf = new int[m];
        for (int r = 0; r < m; r++) {
            treeOf[rank[r]] = r % trees;
        }
        return treeOf;
    }
}
