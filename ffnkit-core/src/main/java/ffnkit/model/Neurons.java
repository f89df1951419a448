package ffnkit.model;

/**
 * Selecting FFN neurons from the weights of FFN(x) = act(x·U + b1)·V + b2: neuron j is column j
 * of U, entry j of b1 and row j of V. Used to split an FFN into heavy and light parts.
 */
public final class Neurons {

    private Neurons() {
    }

    /** Columns {@code cols} of a row-major [rows x n] matrix (the U columns of those neurons). */
    public static float[] columns(float[] w, int rows, int n, int[] cols) {
        float[] out = new float[rows * cols.length];
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < cols.length; j++) {
                out[r * cols.length + j] = w[r * n + cols[j]];
            }
        }
        return out;
    }

    /** Rows {@code idx} of a row-major [.. x n] matrix (the V rows of those neurons). */
    public static float[] rows(float[] w, int n, int[] idx) {
        float[] out = new float[idx.length * n];
        for (int i = 0; i < idx.length; i++) {
            System.arraycopy(w, idx[i] * n, out, i * n, n);
        }
        return out;
    }

    /** Entries {@code idx} of a vector (the b1 entries of those neurons); null stays null. */
    public static float[] pick(float[] v, int[] idx) {
        if (v == null) {
            return null;
        }
        float[] out = new float[idx.length];
        for (int i = 0; i < idx.length; i++) {
            out[i] = v[idx[i]];
        }
        return out;
    }
}
