package ffnkit.lookup;

import ffnkit.kernels.Parallel;
import ffnkit.model.FeedForward;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Replaces a pretrained FFN by a LookupFFN layer that reproduces its output on calibration inputs
 * (layer-wise distillation). Steps:
 * <ol>
 *   <li>Targets y = FFN(x) on the calibration rows; a random held-out share is set aside.</li>
 *   <li>Projection: random (seeded) weights; its bias is set to minus the median of each z
 *       coordinate over the fitting rows, so every sign bit splits the calibration tokens in half
 *       and all 2^tau buckets of a table are used (hidden states are far from zero-mean).</li>
 *   <li>Tables, closed form: with codes and scores fixed, y is linear in the tables. Block
 *       coordinate descent ("backfitting") solves it exactly one table at a time: with the residual
 *       r of all other tables, T_k[c] = sum_{t in c} s_kt·r_t / (sum_{t in c} s_kt^2 + lambda_k),
 *       lambda_k = ridge·mean_t s_kt^2. Each step is an exact least-squares minimiser, so the training
 *       error never rises; output columns are independent, which is what runs in parallel. The
 *       output bias starts as the mean target.</li>
 *   <li>Optional end-to-end distillation with {@link LookupTrainer} (Adam on tables, bias and,
 *       through the score, the projection).</li>
 * </ol>
 * The held-out relative error ||y_lookup - y||/||y|| is reported after the closed-form fit and at
 * the end, next to the error of always predicting the mean output (the trivial baseline).
 */
public final class LookupConverter {

    /**
     * @param layer              the converted layer
     * @param heldOutMeanBaseline held-out relative error of predicting the mean target
     * @param heldOutAfterFit    held-out relative error after the closed-form table fit
     * @param heldOutFinal       held-out relative error after distillation (equal to the above with 0 epochs)
     * @param trainFinal         relative error on the fitting rows at the end
     * @param lossHistory        mean training MSE per distillation epoch
     */
    public record Report(LookupFeedForward layer, int trainRows, int heldOutRows, double heldOutMeanBaseline,
                         double heldOutAfterFit, double heldOutFinal, double trainFinal, List<Double> lossHistory) {
    }

    private LookupConverter() {
    }

    public static LookupFeedForward convert(FeedForward dense, float[] calibrationInputs, int rows,
                                            LookupConvertOptions opts) {
        return convertWithReport(dense, calibrationInputs, rows, opts).layer();
    }

    public static Report convertWithReport(FeedForward dense, float[] calibrationInputs, int rows,
                                           LookupConvertOptions opts) {
        int d = dense.inputDim();
        int dOut = dense.outputDim();
        float[] yAll = new float[rows * dOut];
        dense.forward(calibrationInputs, rows, yAll);
        // random split
        int[] perm = new int[rows];
        for (int i = 0; i < rows; i++) {
            perm[i] = i;
        }
        SplittableRandom rnd = new SplittableRandom(opts.seed());
        for (int i = rows - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int t = perm[i];
            perm[i] = perm[j];
            perm[j] = t;
        }
        int held = (int) Math.round(rows * opts.heldOutFraction());
        int fit = rows - held;
        float[] x = gather(calibrationInputs, perm, 0, fit, d);
        float[] y = gather(yAll, perm, 0, fit, dOut);
        float[] xh = gather(calibrationInputs, perm, fit, rows, d);
        float[] yh = gather(yAll, perm, fit, rows, dOut);

        LookupShape shape = new LookupShape(d, dOut, opts.tables(), opts.bits(), opts.projection(), opts.blockSize());
        LookupFeedForward layer = LookupFeedForward.random(shape, rnd.nextLong(), 0f);
        layer = centreProjection(layer, x, fit);
        layer = fitTables(layer, x, y, fit, opts.backfitPasses(), opts.ridge());
        double afterFit = relativeError(layer, xh, yh, held);
        List<Double> history = List.of();
        if (opts.epochs() > 0) {
            LookupTrainer trainer = new LookupTrainer(layer);
            history = trainer.train(x, y, fit, new LookupTrainer.Options(opts.epochs(), opts.batchSize(),
                    opts.learningRate(), opts.seed(), opts.checkpoint(), opts.progress(), opts.softBuckets()));
            layer = trainer.model();
        }
        float[] mean = meanRow(y, fit, dOut);
        double baseline = relativeError(meanPredictor(mean, held), yh);
        return new Report(layer, fit, held, baseline, afterFit, relativeError(layer, xh, yh, held),
                relativeError(layer, x, y, fit), history);
    }

    /** Projection bias := -median over the rows of each z coordinate (computed without bias). */
    static LookupFeedForward centreProjection(LookupFeedForward layer, float[] x, int rows) {
        LookupShape s = layer.shape();
        int n = s.codeDim();
        float[] z = new float[rows * n];
        float[] zeroBias = new float[n];
        Parallel.shared().forEach(Math.min(rows, 64), task -> {
            int r0 = (int) ((long) rows * task / Math.min(rows, 64));
            int r1 = (int) ((long) rows * (task + 1) / Math.min(rows, 64));
            for (int r = r0; r < r1; r++) {
                Bh4.project(s, layer.projectionWeight(), zeroBias, x, r * s.inputDim(), z, r * n);
            }
        });
        float[] bias = new float[n];
        float[] col = new float[rows];
        for (int j = 0; j < n; j++) {
            for (int r = 0; r < rows; r++) {
                col[r] = z[r * n + j];
            }
            Arrays.sort(col);
            bias[j] = -col[rows / 2];
        }
        return new LookupFeedForward(s, layer.projectionWeight(), bias, layer.tables(), layer.bias());
    }

    /** The closed-form backfitting of the tables (class comment, step 3). */
    static LookupFeedForward fitTables(LookupFeedForward layer, float[] x, float[] y, int rows, int passes,
                                       double ridge) {
        LookupShape s = layer.shape();
        int h = s.tables();
        int dOut = s.outputDim();
        int tau = s.bits();
        int buckets = s.rowsPerTable();
        // codes and scores of every row and table, from the reference definition
        int[] code = new int[rows * h];
        float[] score = new float[rows * h];
        Parallel.shared().forEach(Math.min(rows, 64), task -> {
            float[] z = new float[s.codeDim()];
            int r0 = (int) ((long) rows * task / Math.min(rows, 64));
            int r1 = (int) ((long) rows * (task + 1) / Math.min(rows, 64));
            for (int r = r0; r < r1; r++) {
                Bh4.project(s, layer.projectionWeight(), layer.projectionBias(), x, r * s.inputDim(), z, 0);
                for (int k = 0; k < h; k++) {
                    code[r * h + k] = LookupMath.code(z, k * tau, tau);
                    score[r * h + k] = LookupMath.score(z, k * tau, tau);
                }
            }
        });
        // per table: denominators sum_{t in c} s^2 + lambda_k
        double[] denom = new double[h * buckets];
        for (int k = 0; k < h; k++) {
            double meanSq = 0;
            for (int r = 0; r < rows; r++) {
                float sc = score[r * h + k];
                denom[k * buckets + code[r * h + k]] += (double) sc * sc;
                meanSq += (double) sc * sc;
            }
            double lambda = ridge * meanSq / rows + 1e-12;
            for (int c = 0; c < buckets; c++) {
                denom[k * buckets + c] += lambda;
            }
        }
        float[] bias = meanRow(y, rows, dOut);
        float[] tables = new float[Math.toIntExact(s.tableCount())];
        int colBlock = 16;
        int tasks = (dOut + colBlock - 1) / colBlock;
        Parallel.shared().forEach(tasks, task -> {
            int j0 = task * colBlock;
            int j1 = Math.min(dOut, j0 + colBlock);
            int w = j1 - j0;
            // residual[r][j] = y - bias - sum_k s·T_k[code]; tables start at 0
            double[] res = new double[rows * w];
            for (int r = 0; r < rows; r++) {
                for (int j = 0; j < w; j++) {
                    res[r * w + j] = y[r * dOut + j0 + j] - bias[j0 + j];
                }
            }
            double[] num = new double[buckets * w];
            for (int pass = 0; pass < passes; pass++) {
                for (int k = 0; k < h; k++) {
                    Arrays.fill(num, 0);
                    int tBase = k * buckets * dOut;
                    for (int r = 0; r < rows; r++) {
                        int c = code[r * h + k];
                        double sc = score[r * h + k];
                        int row = tBase + c * dOut + j0;
                        for (int j = 0; j < w; j++) {
                            // add table k back: r_t + s·T_old, then accumulate s·(that)
                            double full = res[r * w + j] + sc * tables[row + j];
                            res[r * w + j] = full;
                            num[c * w + j] += sc * full;
                        }
                    }
                    for (int c = 0; c < buckets; c++) {
                        double dn = denom[k * buckets + c];
                        for (int j = 0; j < w; j++) {
                            tables[tBase + c * dOut + j0 + j] = (float) (num[c * w + j] / dn);
                        }
                    }
                    for (int r = 0; r < rows; r++) {
                        double sc = score[r * h + k];
                        int row = tBase + code[r * h + k] * dOut + j0;
                        for (int j = 0; j < w; j++) {
                            res[r * w + j] -= sc * tables[row + j];
                        }
                    }
                }
            }
        });
        return new LookupFeedForward(s, layer.projectionWeight(), layer.projectionBias(), tables, bias);
    }

    /** ||f(x) - y|| / ||y|| over all rows and outputs. */
    public static double relativeError(FeedForward f, float[] x, float[] y, int rows) {
        float[] out = new float[rows * f.outputDim()];
        f.forward(x, rows, out);
        return relativeError(out, y);
    }

    static double relativeError(float[] out, float[] y) {
        double num = 0;
        double den = 0;
        for (int i = 0; i < y.length; i++) {
            double e = out[i] - y[i];
            num += e * e;
            den += (double) y[i] * y[i];
        }
        return Math.sqrt(num / den);
    }

    private static float[] meanRow(float[] y, int rows, int dOut) {
        double[] m = new double[dOut];
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < dOut; j++) {
                m[j] += y[r * dOut + j];
            }
        }
        float[] out = new float[dOut];
        for (int j = 0; j < dOut; j++) {
            out[j] = (float) (m[j] / Math.max(1, rows));
        }
        return out;
    }

    private static float[] meanPredictor(float[] mean, int rows) {
        float[] out = new float[rows * mean.length];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(mean, 0, out, r * mean.length, mean.length);
        }
        return out;
    }

    private static float[] gather(float[] a, int[] perm, int from, int to, int width) {
        float[] out = new float[(to - from) * width];
        for (int i = from; i < to; i++) {
            System.arraycopy(a, perm[i] * width, out, (i - from) * width, width);
        }
        return out;
    }
}
