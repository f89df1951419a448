package ffnkit.model;

import ffnkit.kernels.Activation;
import ffnkit.kernels.Gemm;
import ffnkit.kernels.PackedMatrix;
import ffnkit.kernels.Parallel;

/**
 * The fast path of a low-rank FFN: the light part act(x·A1·B1 + b1)·A2·B2 + b2, optionally next to
 * an FFSplit heavy part act(x·U_H + b1_H)·V_H (+ b2_H). The math is that of the slots it replaces
 * ({@link SplitFeedForward}, {@link LinearFeedForward} over {@link LowRankLinear}s); what changes is
 * how it is run:
 *
 * <ol>
 * <li>One GEMM for everything x is multiplied by: Z = x·[U_H | A1] + [b1_H | b_A1], with the
 *     activation on the H heavy columns only; Z's last r1 columns are the light bottleneck t.</li>
 * <li>h_L = act(t·B1 + b_B1) (the light neurons).</li>
 * <li>s = h_L·A2 + b_A2, written over t's columns of Z (t is not needed any more).</li>
 * <li>One GEMM for everything that produces the output: out = [h_H | s]·[V_H ; B2] + b_V + b_B2,
 *     which is h_H·V_H + s·B2 + both biases: the heavy output plus the light output, exactly (up
 *     to float summation order).</li>
 * </ol>
 *
 * So an FFSplit layer costs four GEMMs instead of six, no separate sum pass, and the two thin
 * outer GEMMs (N = r1 and K = r2, about 38 for rank 10% of MiniLM) are folded into wide ones.
 * Rows are cut into chunks of about {@link #CHUNK_ROWS}, each run through all four GEMMs on one
 * thread, so the intermediates (Z, h_L) stay in that core's cache and the whole FFN is a single
 * parallel region. Below two chunks' worth of rows the GEMMs run whole and parallelise themselves.
 */
final class FusedLowRankFfn {

    /** Rows per chunk: Z and h_L of a chunk (~100 x (422 + 1152) floats at MiniLM size) fit in L2. */
    static final int CHUNK_ROWS = 96;
    /** {@code -Dffnkit.fused=false} runs the slots part by part, to measure what the fusion buys. */
    private static final boolean ENABLED = !"false".equals(System.getProperty("ffnkit.fused"));

    private final int inputDim;
    private final int outputDim;
    private final int heavyWidth;
    private final int lightWidth;
    private final int ldz;
    private final Activation activation;
    private final PackedMatrix first;   // [d x (H + r1)] = [U_H | A1]
    private final float[] firstBias;    // [H + r1] or null
    private final PackedMatrix upB;     // B1 [r1 x wL]
    private final float[] upBBias;
    private final PackedMatrix downA;   // A2 [wL x r2]
    private final float[] downABias;
    private final PackedMatrix last;    // [(H + r2) x d] = [V_H ; B2]
    private final float[] lastBias;     // [d] or null
    private final Scratch z = new Scratch();
    private final Scratch hidden = new Scratch();

    private FusedLowRankFfn(DenseLinear heavyUp, DenseLinear heavyDown, Activation act, DenseLinear a1,
                            DenseLinear b1, DenseLinear a2, DenseLinear b2) {
        this.inputDim = a1.inputDim();
        this.outputDim = b2.outputDim();
        this.heavyWidth = heavyUp == null ? 0 : heavyUp.outputDim();
        this.lightWidth = b1.outputDim();
        int r1 = a1.outputDim();
        int r2 = a2.outputDim();
        this.ldz = heavyWidth + Math.max(r1, r2);
        this.activation = act;
        this.first = heavyUp == null ? a1.weight() : concatColumns(heavyUp.weight(), a1.weight());
        this.firstBias = heavyUp == null ? a1.bias() : concat(heavyUp.bias(), heavyWidth, a1.bias(), r1);
        this.upB = b1.weight();
        this.upBBias = b1.bias();
        this.downA = a2.weight();
        this.downABias = a2.bias();
        this.last = heavyDown == null ? b2.weight() : concatRows(heavyDown.weight(), b2.weight());
        this.lastBias = heavyDown == null ? b2.bias() : sum(heavyDown.bias(), b2.bias(), outputDim);
    }

    /**
     * The fused form of light (and heavy, which may be null), or null when the parts are not
     * the shapes it handles: dense heavy layers, light up- and down-projections both low rank with
     * dense factors, one activation.
     */
    static FusedLowRankFfn of(LinearFeedForward heavy, LinearFeedForward light) {
        if (!ENABLED) {
            return null;
        }
        if (!(light.up() instanceof LowRankLinear up) || !(light.down() instanceof LowRankLinear down)
                || !(up.a() instanceof DenseLinear a1) || !(up.b() instanceof DenseLinear b1)
                || !(down.a() instanceof DenseLinear a2) || !(down.b() instanceof DenseLinear b2)) {
            return null;
        }
        if (heavy == null) {
            return new FusedLowRankFfn(null, null, light.activation(), a1, b1, a2, b2);
        }
        if (!(heavy.up() instanceof DenseLinear hu) || !(heavy.down() instanceof DenseLinear hd)
                || heavy.activation() != light.activation()) {
            return null;
        }
        return new FusedLowRankFfn(hu, hd, light.activation(), a1, b1, a2, b2);
    }

    /** out = FFN(x) + residual (residual may be null and must not be {@code out}). */
    void forward(float[] x, int rows, float[] residual, float[] out) {
        Parallel pool = Parallel.shared();
        int threads = pool.threads();
        if (rows < 2 * CHUNK_ROWS) {
            run(x, 0, rows, residual, out);
            return;
        }
        // Equal chunks, a multiple of the thread count, edges on whole micro-tiles.
        int tile = Gemm.rowTile();
        int tiles = (rows + tile - 1) / tile;
        int perThread = Math.max(1, Math.round((float) rows / CHUNK_ROWS / threads));
        int chunks = Math.min(tiles, perThread * threads);
        pool.forEach(chunks, c -> {
            int from = Math.min(rows, (int) ((long) tiles * c / chunks) * tile);
            int to = Math.min(rows, (int) ((long) tiles * (c + 1) / chunks) * tile);
            if (from < to) {
                run(x, from, to, residual, out);
            }
        });
    }

    /** Rows [from, to) through the four GEMMs (inline when called from a pool task). */
    private void run(float[] x, int from, int to, float[] residual, float[] out) {
        int m = to - from;
        float[] zb = z.get(m * ldz);
        float[] h = hidden.get(m * lightWidth);
        Gemm.matmul(x, from * inputDim, inputDim, m, first, firstBias, activation, heavyWidth, null, zb, 0, ldz);
        Gemm.matmul(zb, heavyWidth, ldz, m, upB, upBBias, activation, null, h, 0, lightWidth);
        Gemm.matmul(h, 0, lightWidth, m, downA, downABias, Activation.NONE, null, zb, heavyWidth, ldz);
        Gemm.matmul(zb, 0, ldz, m, last, lastBias, Activation.NONE, residual, out, from * outputDim, outputDim);
    }

    private static PackedMatrix concatColumns(PackedMatrix left, PackedMatrix right) {
        int k = left.rows();
        int nl = left.cols();
        int nr = right.cols();
        float[] l = left.toRowMajor();
        float[] r = right.toRowMajor();
        float[] w = new float[k * (nl + nr)];
        for (int p = 0; p < k; p++) {
            System.arraycopy(l, p * nl, w, p * (nl + nr), nl);
            System.arraycopy(r, p * nr, w, p * (nl + nr) + nl, nr);
        }
        return PackedMatrix.pack(w, k, nl + nr);
    }

    private static PackedMatrix concatRows(PackedMatrix top, PackedMatrix bottom) {
        int n = top.cols();
        float[] t = top.toRowMajor();
        float[] b = bottom.toRowMajor();
        float[] w = new float[t.length + b.length];
        System.arraycopy(t, 0, w, 0, t.length);
        System.arraycopy(b, 0, w, t.length, b.length);
        return PackedMatrix.pack(w, top.rows() + bottom.rows(), n);
    }

    /** [a | b] with missing parts as zeros; null when both are missing. */
    private static float[] concat(float[] a, int na, float[] b, int nb) {
        if (a == null && b == null) {
            return null;
        }
        float[] v = new float[na + nb];
        if (a != null) {
            System.arraycopy(a, 0, v, 0, na);
        }
        if (b != null) {
            System.arraycopy(b, 0, v, na, nb);
        }
        return v;
    }

    private static float[] sum(float[] a, float[] b, int n) {
        if (a == null || b == null) {
            return a == null ? b : a;
        }
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = a[i] + b[i];
        }
        return v;
    }
}
