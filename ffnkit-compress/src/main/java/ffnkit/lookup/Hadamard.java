package ffnkit.lookup;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Walsh-Hadamard transform used by BH4, in its ONE normalisation: orthonormal,
 * H_n = (1/sqrt(n))·[[H, H], [H, -H]] (Sylvester order, unnormalised entries +-1).
 *
 * <p>Why orthonormal: the paper's CPU code divides by n and its GPU training code not at all, so
 * weights trained on one run wrong on the other. With 1/sqrt(n) the transform is symmetric and its
 * own inverse (H·H = I), preserves norms (so z stays O(1) through 4 stages at any width, which
 * keeps the score's exp() in range), and its backward pass is the same transform. Training,
 * the reference and the fast kernel all call the code below.
 */
public final class Hadamard {

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    private Hadamard() {
    }

    /** 1/sqrt(n), the normalisation, applied once at the end of each transform. */
    public static float scale(int n) {
        return (float) (1.0 / Math.sqrt(n));
    }

    /**
     * In-place transform of a[off..off+n), n a power of two. Plain butterflies, smallest stride
     * first, then one multiply by {@link #scale(int)}: the fast kernel performs the same float
     * operations in the same order, so both give identical bits.
     */
    public static void transform(float[] a, int off, int n) {
        for (int h = 1; h < n; h <<= 1) {
            for (int i = 0; i < n; i += h << 1) {
                for (int j = i; j < i + h; j++) {
                    float u = a[off + j];
                    float v = a[off + j + h];
                    a[off + j] = u + v;
                    a[off + j + h] = u - v;
                }
            }
        }
        float s = scale(n);
        for (int j = 0; j < n; j++) {
            a[off + j] *= s;
        }
    }

    /**
     * Transforms {@code width} independent vectors at once, stored transposed: element j of
     * vector t is a[off + j·width + t]. Every butterfly is then a dense vector add/sub over
     * tokens, with no lane shuffles at small strides. width must be a multiple of the species
     * length. Identical arithmetic to {@link #transform} per vector.
     */
    public static void transformColumns(float[] a, int off, int n, int width) {
        for (int h = 1; h < n; h <<= 1) {
            for (int i = 0; i < n; i += h << 1) {
                for (int j = i; j < i + h; j++) {
                    int r0 = off + j * width;
                    int r1 = off + (j + h) * width;
                    for (int t = 0; t < width; t += S.length()) {
                        FloatVector u = FloatVector.fromArray(S, a, r0 + t);
                        FloatVector v = FloatVector.fromArray(S, a, r1 + t);
                        u.add(v).intoArray(a, r0 + t);
                        u.sub(v).intoArray(a, r1 + t);
                    }
                }
            }
        }
        float s = scale(n);
        for (int j = 0; j < n * width; j += S.length()) {
            FloatVector.fromArray(S, a, off + j).mul(s).intoArray(a, off + j);
        }
    }

    /**
     * The butterfly levels with strides hFrom <= h < hTo of {@link #transformColumns} (no scaling),
     * two levels per pass where possible: rows j, j+h, j+2h, j+3h are loaded once and get the
     * stride-h and stride-2h butterflies in registers. Per element the same float operations in
     * the same order as level by level, so the result is bit-identical; it only touches memory
     * half as often. Calling it for [1, b) on each b-row block right after the block is computed
     * (while it is in L1) and then for [b, n) over all rows gives the whole transform.
     */
    public static void levelsColumns(float[] a, int off, int n, int width, int hFrom, int hTo) {
        int vl = S.length();
        int h = hFrom;
        for (; 2 * h < hTo && 2 * h < n; h <<= 2) {
            for (int i = 0; i < n; i += h << 2) {
                for (int j = i; j < i + h; j++) {
                    int r0 = off + j * width;
                    int r1 = r0 + h * width;
                    int r2 = r1 + h * width;
                    int r3 = r2 + h * width;
                    for (int t = 0; t < width; t += vl) {
                        FloatVector x0 = FloatVector.fromArray(S, a, r0 + t);
                        FloatVector x1 = FloatVector.fromArray(S, a, r1 + t);
                        FloatVector x2 = FloatVector.fromArray(S, a, r2 + t);
                        FloatVector x3 = FloatVector.fromArray(S, a, r3 + t);
                        FloatVector y0 = x0.add(x1);
                        FloatVector y1 = x0.sub(x1);
                        FloatVector y2 = x2.add(x3);
                        FloatVector y3 = x2.sub(x3);
                        y0.add(y2).intoArray(a, r0 + t);
                        y1.add(y3).intoArray(a, r1 + t);
                        y0.sub(y2).intoArray(a, r2 + t);
                        y1.sub(y3).intoArray(a, r3 + t);
                    }
                }
            }
        }
        for (; h < hTo && h < n; h <<= 1) {
            for (int i = 0; i < n; i += h << 1) {
                for (int j = i; j < i + h; j++) {
                    int r0 = off + j * width;
                    int r1 = off + (j + h) * width;
                    for (int t = 0; t < width; t += vl) {
                        FloatVector u = FloatVector.fromArray(S, a, r0 + t);
                        FloatVector v = FloatVector.fromArray(S, a, r1 + t);
                        u.add(v).intoArray(a, r0 + t);
                        u.sub(v).intoArray(a, r1 + t);
                    }
                }
            }
        }
    }
}
