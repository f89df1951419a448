package ffnkit.compress;

import ffnkit.io.ModelFormatException;

/**
 * The checks a calibration file's values must pass before anything uses them. Statistics are sums
 * over tokens, so a damaged file shows as a NaN, a negative count or sum of squares, or a Gram matrix
 * that no set of inputs could produce; unchecked, these become NaN tables or failures deep inside
 * compression.
 */
final class CalibrationValidation {

    private static final String FIX = ": the file is damaged; re-run ffnkit calibrate";

    private CalibrationValidation() {
    }

    static void check(String file, Calibration c) {
        count(file, "texts", c.texts());
        count(file, "tokens", c.tokens());
        if (c.layers().isEmpty()) {
            throw new ModelFormatException(file + " gives layers = 0, expected at least one" + FIX);
        }
        for (int i = 0; i < c.layers().size(); i++) {
            layer(file, "layers." + i + ".", c.layer(i));
        }
    }

    private static void layer(String file, String p, LayerStatistics s) {
        count(file, p + "tokens", s.tokens());
        if (!Double.isFinite(s.threshold())) {
            throw new ModelFormatException(file + " gives " + p + "threshold = " + s.threshold()
                    + ", expected a finite number" + FIX);
        }
        nonNegative(file, p + "sum_squares", s.sumSquares());
        nonNegative(file, p + "half_sum_squares.0", s.halfSumSquares()[0]);
        nonNegative(file, p + "half_sum_squares.1", s.halfSumSquares()[1]);
        if (s.countAbove().length != s.width()) {
            throw new ModelFormatException(file + ": calibration tensor '" + p + "count_above' has " + s.countAbove().length
                    + " values, expected " + s.width() + FIX);
        }
        for (int j = 0; j < s.width(); j++) {
            if (s.countAbove()[j] < 0) {
                throw new ModelFormatException(file + ": calibration tensor '" + p + "count_above' holds the negative count "
                        + s.countAbove()[j] + " at element " + j + FIX);
            }
        }
        nonNegative(file, p + "max_abs", toDoubles(s.maxAbs()));
        nonNegative(file, p + "down_row_norms", toDoubles(s.downRowNorms()));
        gram(file, p + "input_gram", p + "input_sum", s.inputGram(), s.inputSum(), s.inputDim(), s.tokens());
        if (s.hasActivationGram()) {
            gram(file, p + "activation_gram", p + "activation_sum", s.activationGram(), s.activationSum(), s.width(), s.tokens());
        }
    }

    /**
     * G = XᵀX over n tokens and Σx: every value finite, G's diagonal (sums of squares) non-negative,
     * and (Σx_k)² ≤ n·G_kk (Cauchy–Schwarz), which a zeroed or partly overwritten Gram breaks.
     */
    private static void gram(String file, String gramName, String sumName, double[] g, double[] sum, int dim, long tokens) {
        finite(file, gramName, g);
        finite(file, sumName, sum);
        for (int k = 0; k < dim; k++) {
            double diagonal = g[k * dim + k];
            if (diagonal < 0) {
                throw new ModelFormatException(file + ": calibration tensor '" + gramName + "' has the negative diagonal value "
                        + diagonal + " at [" + k + ", " + k + "], which a sum of squares cannot be" + FIX);
            }
            // generous tolerance: only gross inconsistency is damage, rounding is not
            if (sum[k] * sum[k] > (double) tokens * diagonal * (1 + 1e-3) + 1e-9) {
                throw new ModelFormatException(file + ": calibration tensors '" + gramName + "' and '" + sumName
                        + "' disagree at input " + k + " (sum " + sum[k] + " over " + tokens + " tokens, sum of squares "
                        + diagonal + ")" + FIX);
            }
        }
    }

    private static void count(String file, String name, long value) {
        if (value < 0) {
            throw new ModelFormatException(file + " gives " + name + " = " + value + ", expected a non-negative count" + FIX);
        }
    }

    private static void nonNegative(String file, String name, double[] v) {
        finite(file, name, v);
        for (int i = 0; i < v.length; i++) {
            if (v[i] < 0) {
                throw new ModelFormatException(file + ": calibration tensor '" + name + "' holds the negative value " + v[i]
                        + " at element " + i + ", which it cannot" + FIX);
            }
        }
    }

    private static void finite(String file, String name, double[] v) {
        for (int i = 0; i < v.length; i++) {
            if (!Double.isFinite(v[i])) {
                throw new ModelFormatException(file + ": calibration tensor '" + name + "' holds " + v[i] + " at element " + i + FIX);
            }
        }
    }

    private static double[] toDoubles(float[] v) {
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            d[i] = v[i];
        }
        return d;
    }
}
