package ffnkit.compress;

import ffnkit.kernels.Activation;
import ffnkit.kernels.Gemm;
import ffnkit.kernels.PackedMatrix;
import org.ejml.data.DMatrixRMaj;

/**
 * Second moments of a layer's input over the calibration tokens: G = XᵀX, the column sums Σx and
 * the token count n. ||X·Δ||²_F = tr(Δᵀ·G·Δ) for any weight error Δ, which lets low rank, AWQ and
 * the refit measure output error without storing a single activation.
 */
public record Gram(int dim, long tokens, double[] gram, double[] sum) {

    public Gram {
        if (gram.length != (long) dim * dim || sum.length != dim) {
            throw new IllegalArgumentException("Gram of dimension " + dim + " has " + gram.length + " and " + sum.length + " values");
        }
    }

    /** The FFN input's statistics of a calibrated layer. */
    public static Gram input(LayerStatistics s) {
        return new Gram(s.inputDim(), s.tokens(), s.inputGram(), s.inputSum());
    }

    /** The statistics of the activations of the given neurons (needs a calibration with the activation Gram). */
    public static Gram activations(LayerStatistics s, int[] neurons) {
        if (!s.hasActivationGram()) {
            throw new IllegalArgumentException("whitening, AWQ, light-error importance and the heavy compensation need "
                    + "the activation Gram: calibrate with activationGram = true");
        }
        int m = s.width();
        double[] g = Matrices.subGram(s.activationGram(), m, neurons).data;
        double[] sum = new double[neurons.length];
        for (int i = 0; i < neurons.length; i++) {
            sum[i] = s.activationSum()[neurons[i]];
        }
        return new Gram(neurons.length, s.tokens(), g, sum);
    }

    public double[] mean() {
        double[] mu = new double[dim];
        for (int i = 0; i < dim; i++) {
            mu[i] = sum[i] / Math.max(1, tokens);
        }
        return mu;
    }

    /** G − n·μμᵀ: the Gram of the centred inputs. */
    public DMatrixRMaj centred() {
        double[] mu = mean();
        DMatrixRMaj c = Matrices.of(gram, dim, dim);
        for (int i = 0; i < dim; i++) {
            for (int j = 0; j < dim; j++) {
                c.add(i, j, -tokens * mu[i] * mu[j]);
            }
        }
        return c;
    }

    /**
     * ||X·Δ||²_F / n = tr(Δᵀ·G·Δ) / n: the mean squared output error per token of a weight error
     * Δ [dim x out]. G·Δ runs through the float GEMM kernel (the search in AWQ calls this often).
     */
    public double outputError(float[] delta, int out) {
        float[] g = new float[dim * dim];
        for (int i = 0; i < g.length; i++) {
            g[i] = (float) gram[i];
        }
        float[] gd = new float[dim * out];
        Gemm.matmul(g, dim, PackedMatrix.pack(delta, dim, out), null, Activation.NONE, null, gd);
        double total = 0;
        for (int i = 0; i < gd.length; i++) {
            total += (double) delta[i] * gd[i];
        }
        return total / Math.max(1, tokens);
    }
}
