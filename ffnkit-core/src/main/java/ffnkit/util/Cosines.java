package ffnkit.util;

/**
 * Cosine similarity of embeddings, the one definition every fidelity number in ffnkit uses: sums in
 * double, so that the near-1 cosines of lightly compressed models (which differ in the fifth decimal)
 * carry no rounding of their own, and two zero vectors count as identical.
 */
public final class Cosines {

    private Cosines() {
    }

    public static double cosine(float[] a, float[] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("embeddings of different sizes: " + a.length + " vs " + b.length);
        }
        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
            na += (double) a[i] * a[i];
            nb += (double) b[i] * b[i];
        }
        if (na == 0 || nb == 0) {
            return na == nb ? 1 : 0;
        }
        return dot / Math.sqrt(na * nb);
    }

    /** The cosine of each pair a[i], b[i]. */
    public static double[] cosines(float[][] a, float[][] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("different numbers of embeddings: " + a.length + " vs " + b.length);
        }
        double[] c = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            c[i] = cosine(a[i], b[i]);
        }
        return c;
    }

    public static double mean(float[][] a, float[][] b) {
        if (a.length == 0) {
            throw new IllegalArgumentException("no embeddings to compare");
        }
        double sum = 0;
        for (double c : cosines(a, b)) {
            sum += c;
        }
        return sum / a.length;
    }
}
