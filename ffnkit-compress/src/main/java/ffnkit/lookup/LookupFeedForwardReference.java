package ffnkit.lookup;

import ffnkit.model.FeedForward;

/**
 * The plain definition of LookupFFN, one token at a time, for tests and benchmark checks:
 * z = P(x) ({@link Bh4#project}); for each table k: code_k, score_k ({@link LookupMath});
 * y = bias + sum_k score_k · T_k[code_k].
 */
public final class LookupFeedForwardReference implements FeedForward {

    private final LookupFeedForward layer;

    public LookupFeedForwardReference(LookupFeedForward layer) {
        this.layer = layer;
    }

    @Override
    public void forward(float[] x, int rows, float[] out) {
        LookupShape s = layer.shape();
        int d = s.inputDim();
        int dOut = s.outputDim();
        int tau = s.bits();
        float[] z = new float[s.codeDim()];
        float[] t = layer.tables();
        for (int r = 0; r < rows; r++) {
            Bh4.project(s, layer.projectionWeight(), layer.projectionBias(), x, r * d, z, 0);
            int o = r * dOut;
            System.arraycopy(layer.bias(), 0, out, o, dOut);
            for (int k = 0; k < s.tables(); k++) {
                int code = LookupMath.code(z, k * tau, tau);
                float score = LookupMath.score(z, k * tau, tau);
                long row = ((long) k * s.rowsPerTable() + code) * dOut;
                for (int j = 0; j < dOut; j++) {
                    out[o + j] += score * t[(int) (row + j)];
                }
            }
        }
    }

    /** The codes [rows x h] the reference hashes the inputs to (tests compare them exactly). */
    public int[] codes(float[] x, int rows) {
        LookupShape s = layer.shape();
        float[] z = new float[s.codeDim()];
        int[] codes = new int[rows * s.tables()];
        for (int r = 0; r < rows; r++) {
            Bh4.project(s, layer.projectionWeight(), layer.projectionBias(), x, r * s.inputDim(), z, 0);
            for (int k = 0; k < s.tables(); k++) {
                codes[r * s.tables() + k] = LookupMath.code(z, k * s.bits(), s.bits());
            }
        }
        return codes;
    }

    @Override
    public int inputDim() {
        return layer.inputDim();
    }

    @Override
    public int outputDim() {
        return layer.outputDim();
    }

    @Override
    public long parameterCount() {
        return layer.parameterCount();
    }

    @Override
    public long flopsPerToken() {
        return layer.flopsPerToken();
    }
}
