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
}
