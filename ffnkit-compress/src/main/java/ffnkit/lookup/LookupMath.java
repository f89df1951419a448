package ffnkit.lookup;

/**
 * The hash and score of one table, in one place (METHODS.md section 3, LookupFFN paper Sec. 3).
 * For table k with projected group z_k = (z_k1..z_k,tau):
 * <pre>
 *   code_k  = sum_j [z_kj > 0]·2^j                       (sign bits; bit j is group element j)
 *   score_k = sum_j |z_kj| / prod_j (1 + exp(-2|z_kj|))   = A·prod_j sigma(2|z_kj|),  A = sum_j |z_kj|
 * </pre>
 * prod_j sigma(2|z_kj|) is the probability of the argmax bucket under the per-bit factorised
 * softmax over all 2^tau buckets, so score_k is the weight of the single bucket the paper keeps.
 */
public final class LookupMath {

    private LookupMath() {
    }

    public static int code(float[] z, int off, int tau) {
        int c = 0;
        for (int j = 0; j < tau; j++) {
            if (z[off + j] > 0f) {
                c |= 1 << j;
            }
        }
        return c;
    }

    public static float score(float[] z, int off, int tau) {
        float sum = 0f;
        float prod = 1f;
        for (int j = 0; j < tau; j++) {
            float a = Math.abs(z[off + j]);
            sum += a;
            prod *= 1f + (float) Math.exp(-2f * a);
        }
        return sum / prod;
    }

    /**
     * dz_kj += upstream · d score_k / d z_kj with, for a_j = |z_kj| and sigma_j = sigma(2 a_j),
     * d score / d a_j = prod_i sigma_i · (1 + 2·A·(1 - sigma_j)) and d a_j / d z_kj = sign(z_kj)
     * (sign taken as -1 at 0, consistent with the code bit). The code itself is piecewise constant
     * and gets no gradient: the projection learns only through the score.
     */
    public static void scoreGrad(float[] z, int off, int tau, float upstream, float[] dz, int dzOff) {
        float sum = 0f;
        float prod = 1f;
        for (int j = 0; j < tau; j++) {
            float a = Math.abs(z[off + j]);
            sum += a;
            prod *= 1f / (1f + (float) Math.exp(-2f * a));
        }
        for (int j = 0; j < tau; j++) {
            float zj = z[off + j];
            float e = (float) Math.exp(-2f * Math.abs(zj));
            float oneMinusSigma = e / (1f + e);
            float d = prod * (1f + 2f * sum * oneMinusSigma);
            dz[dzOff + j] += upstream * (zj > 0f ? d : -d);
        }
    }

    /*
     * The soft relaxation (training only). The exact soft lookup of table k is a sum over all 2^tau
     * buckets c with sign vectors s_c (s_cj = +1 where bit j of c is set, else -1):
     *
     *   y_k = sum_c w_c · T_k[c],   w_c = l_c · p_c,   l_c = sum_j s_cj·z_kj,
     *   p_c = prod_j sigma(2·s_cj·z_kj) = exp(l_c) / prod_j (exp(z_kj) + exp(-z_kj))   (the per-bit
     *         factorised softmax over the buckets, LookupFFN paper eq. for y^)
     *
     * For the argmax bucket c* = code_k, s_c*j·z_kj = |z_kj|, so w_c* is exactly score_k: the
     * inference form keeps this one term. bucketWeight(code_k) is bit-identical to score().
     */

    /** w_c = l_c / prod_j (1 + exp(-2·s_cj·z_kj)) of bucket {@code code} (see above). */
    public static float bucketWeight(float[] z, int off, int tau, int code) {
        float sum = 0f;
        float prod = 1f;
        for (int j = 0; j < tau; j++) {
            float a = signedZ(z[off + j], code, j);
            sum += a;
            prod *= 1f + (float) Math.exp(-2f * a);
        }
        return sum / prod;
    }

    /** s_cj·z_j, written so that for the argmax code it is exactly |z_j| (also at z_j = 0). */
    private static float signedZ(float zj, int code, int j) {
        return ((code >>> j) & 1) != 0 ? zj : -zj;
    }

    /**
     * dz_kj += upstream · d w_c / d z_kj. With a_j = s_cj·z_kj, sigma_j = sigma(2·a_j):
     * d l_c / d z_kj = s_cj and d log p_c / d z_kj = 2·s_cj·(1 - sigma_j), so
     * d w_c / d z_kj = s_cj · p_c · (1 + 2·l_c·(1 - sigma_j)). For c = code_k this is
     * {@link #scoreGrad} (there s_cj = sign(z_kj)).
     */
    public static void bucketWeightGrad(float[] z, int off, int tau, int code, float upstream, float[] dz, int dzOff) {
        float sum = 0f;
        float prod = 1f;
        for (int j = 0; j < tau; j++) {
            float a = signedZ(z[off + j], code, j);
            sum += a;
            prod *= 1f / (1f + (float) Math.exp(-2f * a));
        }
        for (int j = 0; j < tau; j++) {
            float a = signedZ(z[off + j], code, j);
            float e = (float) Math.exp(-2f * a);
            float oneMinusSigma = e / (1f + e);
            float d = prod * (1f + 2f * sum * oneMinusSigma);
            dz[dzOff + j] += upstream * (((code >>> j) & 1) != 0 ? d : -d);
        }
    }

    /**
     * One bucket drawn from p_c (see above): bit j is set with probability sigma(2·z_kj), each bit
     * independently, i.e. it disagrees with the argmax bit with probability sigma(-2·|z_kj|).
     * u holds tau uniform numbers in [0, 1) from u[uOff]; the draw is then a fixed function of z.
     */
    public static int sampleBucket(float[] z, int off, int tau, double[] u, int uOff) {
        int c = 0;
        for (int j = 0; j < tau; j++) {
            double pSet = 1.0 / (1.0 + Math.exp(-2.0 * z[off + j]));
            if (u[uOff + j] < pSet) {
                c |= 1 << j;
            }
        }
        return c;
    }
}
