package ffnkit.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * SGEMM for the encoder: c = act(a·B + bias) + residual, with B a {@link PackedMatrix}.
 *
 * <p>Structure (Goto/BLIS style, B packed once at load):
 * <ul>
 * <li>a register-blocked micro-kernel computes an MR x NR tile (6 or 4 rows x 2 vectors, see
 *     {@link #MR}), broadcasting A values straight from A's rows against two B vectors. A is not
 *     packed: that scalar transpose pass cost up to 8% at N = 384, and MR row streams prefetch
 *     well; only edge tiles copy their few rows into a zero-padded block;</li>
 * <li>columns are split into blocks of {@link #NC} panels, K into blocks of {@link #KC} and rows
 *     into blocks of {@link #MC}: a B micro-panel (KC x NR) is reused for every MR rows of the
 *     block, the A block (MC x KC) from L2 for every panel of the B block, which itself stays in L2
 *     while every row passes over it;</li>
 * <li>the epilogue (bias, GELU, residual) runs over each MC x NR tile right after its last K block,
 *     while the tile is still in L1;</li>
 * <li>work is split over the shared pool in equal chunks (a few per thread): by rows when there are
 *     enough of them, else by column panels (M = 1..8 would otherwise leave all but one core idle).</li>
 * </ul>
 * The only per-thread state is a small edge-tile workspace, kept in a ThreadLocal and reused.
 */
public final class Gemm {

    private static final VectorSpecies<Float> S = Simd.FLOAT;
    private static final int L = S.length();
    /**
     * Rows per micro-tile. With AVX-512's 32 registers, 6 rows x 2 vectors (12 accumulators) runs at
     * ~100% of the FMA peak in L1; with AVX2's 16, C2 runs that tile at half speed (measured with
     * -XX:UseAVX=2 on Zen 4: 6x2 ~30-50, 4x2 ~64 GFLOP/s), so AVX2 machines get 4 x 2.
     */
    static final int MR = FloatVector.SPECIES_PREFERRED.vectorBitSize() >= 512 ? 6 : 4;
    static final int NR = PackedMatrix.NR;
    /**
     * K block. KC x NR floats of B is 48 KiB at 512-bit vectors (24 KiB at 256-bit): it streams from
     * L2 with the hardware prefetcher; measured on Zen 4, 384 beat 128 and 256 by 2-4% and makes
     * K = 384 (QKV, out-proj, FFN up) a single block.
     */
    static final int KC = Integer.getInteger("ffnkit.gemm.kc", 384);
    /** Rows per A block (a multiple of MR); MC x KC floats (144 KiB) stay in L2 across all column panels. */
    static final int MC = Math.max(MR, Integer.getInteger("ffnkit.gemm.mc", 96) / MR * MR);
    /**
     * Column panels per B block (N blocking): 8 x KC x NR floats is 384 KiB at 512-bit vectors, so
     * the block stays in the 1 MiB L2 next to the A block while all rows pass over it; without it
     * the FFN up-projection and QKV (B of 2.4 and 1.8 MB) streamed B from L3 for every A block.
     * Measured 2-4% on those shapes (1 thread, 1024 rows).
     */
    static final int NC = Math.max(1, Integer.getInteger("ffnkit.gemm.nc", 8));
    /**
     * Rows that pass over one B block before the next: every B block re-reads them, so they must
     * stay in L3 (768 x 1536 floats is 4.5 MiB). Without this bound, 8192 rows re-streamed A from
     * memory per B block: up-projection 104 -> 98 GFLOP/s.
     */
    static final int SWEEP = Math.max(MC, Integer.getInteger("ffnkit.gemm.sweep", 768) / MC * MC);
    /** Below this many rows per thread, splitting columns beats splitting rows (B traffic dominates). */
    private static final int MIN_ROWS_PER_THREAD = 48;
    /** Work chunks per thread: balance when threads start late or run at different speeds. */
    private static final int CHUNKS_PER_THREAD = 4;

    /**
     * The longest K block: K is cut into round(k / KC) equal blocks, so a K slightly above KC (the
     * FFSplit down-projection's K = heavy + rank, e.g. 384 + 38) is one block, not a full block
     * plus a 38-deep one that reloads and stores every C tile again.
     */
    private static final int KC_MAX = KC + KC / 2 + 1;
    /** Per-thread workspace for edge tiles: MR x KC_MAX rows of A (zero-padded), then an MR x NR C tile. */
    private static final ThreadLocal<float[]> WORK = ThreadLocal.withInitial(() -> new float[MR * KC_MAX + MR * NR]);
    private static final int TILE = MR * KC_MAX;

    private Gemm() {
    }

    /** Rows of the micro-tile: callers that cut M into chunks keep chunk edges on multiples of it. */
    public static int rowTile() {
        return MR;
    }

    /** c[m x n] = act(a[m x k]·b + bias) + residual; bias and residual may be null. */
    public static void matmul(float[] a, int m, PackedMatrix b, float[] bias, Activation act, float[] residual,
                              float[] c) {
        matmul(a, 0, b.rows(), m, b, bias, act, residual, c, 0, b.cols());
    }

    /**
     * Strided form: row i of a starts at aOff + i·lda; row i of c (and of residual, which shares
     * c's layout) at cOff + i·ldc. c must not overlap a or residual.
     */
    public static void matmul(float[] a, int aOff, int lda, int m, PackedMatrix b, float[] bias, Activation act,
                              float[] residual, float[] c, int cOff, int ldc) {
        matmul(a, aOff, lda, m, b, bias, act, b.cols(), residual, c, cOff, ldc);
    }

    /**
     * As above, with the activation applied to columns [0, actColumns) only: the FFSplit
     * up-projection computes the heavy neurons (activated) and the light part's low-rank bottleneck
     * (not activated) in one GEMM.
     */
    public static void matmul(float[] a, int aOff, int lda, int m, PackedMatrix b, float[] bias, Activation act,
                              int actColumns, float[] residual, float[] c, int cOff, int ldc) {
        int k = b.rows();
        int n = b.cols();
        check(a, aOff, lda, m, k, "a");
        check(c, cOff, ldc, m, n, "c");
        if (residual != null) {
            check(residual, cOff, ldc, m, n, "residual");
        }
        if (bias != null && bias.length < n) {
            throw new IllegalArgumentException("bias has " + bias.length + " values, need " + n);
        }
        if (c == a || c == residual) {
            throw new IllegalArgumentException("c must not alias a or residual");
        }
        if (actColumns < 0 || actColumns > n) {
            throw new IllegalArgumentException("activation columns " + actColumns + " outside 0.." + n);
        }
        if (m == 0 || n == 0) {
            return;
        }
        Activation a2 = act == null || actColumns == 0 ? Activation.NONE : act;
        Job job = new Job(a, aOff, lda, m, k, n, b.data(), bias, a2, a2 == Activation.NONE ? 0 : actColumns,
                residual, c, cOff, ldc);
        int panels = PackedMatrix.panels(n);
        Parallel pool = Parallel.shared();
        int threads = pool.threads();
        long flops = 2L * m * n * Math.max(k, 1);
        if (threads == 1 || flops < 200_000) {
            job.run(0, m, 0, panels);
        } else if (m >= MIN_ROWS_PER_THREAD * threads || panels < threads) {
            // Row ranges of whole micro-tiles, as equal as possible. A few chunks per thread rather
            // than one: a thread that starts late (busy machine) still takes a share.
            int tiles = (m + MR - 1) / MR;
            int chunks = Math.min(tiles, CHUNKS_PER_THREAD * threads);
            pool.forEach(chunks, t -> {
                int from = Math.min(m, (int) ((long) tiles * t / chunks) * MR);
                int to = Math.min(m, (int) ((long) tiles * (t + 1) / chunks) * MR);
                if (from < to) {
                    job.run(from, to, 0, panels);
                }
            });
        } else {
            int chunks = Math.min(panels, CHUNKS_PER_THREAD * threads);
            pool.forEach(chunks, t -> {
                int from = (int) ((long) panels * t / chunks);
                int to = (int) ((long) panels * (t + 1) / chunks);
                if (from < to) {
                    job.run(0, m, from, to);
                }
            });
        }
    }

    private static void check(float[] x, int off, int ld, int rows, int cols, String name) {
        if (rows < 0 || off < 0 || (rows > 0 && ld < cols)) {
            throw new IllegalArgumentException(name + ": bad layout, offset " + off + ", stride " + ld + " for "
                    + rows + " x " + cols);
        }
        if (rows > 0 && (long) off + (long) (rows - 1) * ld + cols > x.length) {
            throw new IllegalArgumentException(name + " has " + x.length + " values, too few for " + rows + " x "
                    + cols + " at offset " + off + " stride " + ld);
        }
    }

    /** One call's operands; run() computes a rectangle of C (rows x column panels). */
    private record Job(float[] a, int aOff, int lda, int m, int k, int n, float[] b, float[] bias, Activation act,
                       int actEnd, float[] residual, float[] c, int cOff, int ldc) {

        void run(int rowFrom, int rowTo, int panelFrom, int panelTo) {
            float[] ws = WORK.get();
            if (k == 0) {
                // Empty inner dimension: the product is zero, only the epilogue remains.
                for (int i = rowFrom; i < rowTo; i++) {
                    int from = cOff + i * ldc + panelFrom * NR;
                    java.util.Arrays.fill(c, from, from + Math.min(n, panelTo * NR) - panelFrom * NR, 0f);
                }
                for (int jp = panelFrom; jp < panelTo; jp++) {
                    epilogue(rowFrom, rowTo - rowFrom, jp * NR);
                }
                return;
            }
            for (int r0 = rowFrom; r0 < rowTo; r0 += SWEEP) {
                int r1 = Math.min(rowTo, r0 + SWEEP);
                for (int jc = panelFrom; jc < panelTo; jc += NC) {
                    block(r0, r1, jc, Math.min(panelTo, jc + NC), ws);
                }
            }
        }

        /** Rows [rowFrom, rowTo) x panels [panelFrom, panelTo): a block of B that stays in L2. */
        private void block(int rowFrom, int rowTo, int panelFrom, int panelTo, float[] ws) {
            int kBlocks = Math.max(1, Math.round((float) k / KC));
            int kcBlock = (k + kBlocks - 1) / kBlocks;
            for (int i0 = rowFrom; i0 < rowTo; i0 += MC) {
                int rows = Math.min(MC, rowTo - i0);
                for (int k0 = 0; k0 < k; k0 += kcBlock) {
                    int kc = Math.min(kcBlock, k - k0);
                    boolean first = k0 == 0;
                    boolean last = k0 + kc == k;
                    for (int jp = panelFrom; jp < panelTo; jp++) {
                        int bOff = jp * k * NR + k0 * NR;
                        int col = jp * NR;
                        for (int r = 0; r < rows; r += MR) {
                            int rr = Math.min(MR, rows - r);
                            int row = i0 + r;
                            if (rr == MR && col + NR <= n) {
                                kernel(a, aOff + row * lda + k0, lda, bOff, kc, rr, c, cOff + row * ldc + col, ldc,
                                        first);
                            } else if (rr == MR) {
                                // Last column panel, full rows: A is read in place, only C goes through
                                // the scratch tile (thin N such as a low-rank bottleneck hits this on
                                // every row tile, so no A copy here).
                                int width = n - col;
                                if (!first) {
                                    for (int i = 0; i < MR; i++) {
                                        System.arraycopy(c, cOff + (row + i) * ldc + col, ws, TILE + i * NR, width);
                                    }
                                }
                                kernel(a, aOff + row * lda + k0, lda, bOff, kc, rr, ws, TILE, NR, first);
                                for (int i = 0; i < MR; i++) {
                                    System.arraycopy(ws, TILE + i * NR, c, cOff + (row + i) * ldc + col, width);
                                }
                            } else {
                                // Edge tile (last rows or last panel): zero-padded A rows and a scratch C
                                // tile, so the kernels only ever do full, unmasked vector loads and stores.
                                int width = Math.min(NR, n - col);
                                for (int i = 0; i < MR; i++) {
                                    if (i < rr) {
                                        System.arraycopy(a, aOff + (row + i) * lda + k0, ws, i * kc, kc);
                                    } else {
                                        java.util.Arrays.fill(ws, i * kc, (i + 1) * kc, 0f);
                                    }
                                }
                                if (!first) {
                                    for (int i = 0; i < rr; i++) {
                                        System.arraycopy(c, cOff + (row + i) * ldc + col, ws, TILE + i * NR, width);
                                    }
                                }
                                kernel(ws, 0, kc, bOff, kc, rr, ws, TILE, NR, first);
                                for (int i = 0; i < rr; i++) {
                                    System.arraycopy(ws, TILE + i * NR, c, cOff + (row + i) * ldc + col, width);
                                }
                            }
                        }
                        if (last) {
                            // The block's rows x NR tile was just written and is still in L1.
                            epilogue(i0, rows, col);
                        }
                    }
                }
            }
        }

        /** The micro-kernel for rr rows (at most MR) on a destination with full NR-wide rows. */
        private void kernel(float[] x, int xOff, int ldx, int bOff, int kc, int rr, float[] d, int dOff, int ldd,
                            boolean first) {
            if (rr <= 2) {
                kernel2(x, xOff, ldx, b, bOff, kc, d, dOff, ldd, first);
            } else if (MR == 6) {
                kernel6(x, xOff, ldx, b, bOff, kc, d, dOff, ldd, first);
            } else {
                kernel4(x, xOff, ldx, b, bOff, kc, d, dOff, ldd, first);
            }
        }

        /**
         * Fused epilogue for rows [row, row+rows) x columns [col, col+NR) of C, run right after the
         * tile's last K block while it is in L1. Kept out of the micro-kernels on purpose: inlining
         * twelve GELUs there made C2 give up on inlining and box vectors (10x slower).
         */
        private void epilogue(int row, int rows, int col) {
            if (bias == null && act == Activation.NONE && residual == null) {
                return;
            }
            int width = Math.min(NR, n - col);
            // Columns [0, actEnd) take the activation (all of them unless a caller asked otherwise).
            int activated = act == Activation.GELU ? Math.max(0, Math.min(width, actEnd - col)) : 0;
            int off = cOff + row * ldc + col;
            if (activated > 0) {
                VectorMath.gelu(c, off, ldc, rows, activated, bias, col);
                if (residual != null) {
                    add(c, off, ldc, rows, activated, null, 0, residual);
                }
            }
            if (activated < width) {
                add(c, off + activated, ldc, rows, width - activated, bias, col + activated, residual);
            }
        }
    }

    /**
     * On rows of len values starting at off + r·ld (r < rows): c += bias[biasOff..] + residual at
     * the same place as c; either may be null.
     */
    private static void add(float[] c, int off, int ld, int rows, int len, float[] bias, int biasOff,
                            float[] residual) {
        for (int r = 0; r < rows; r++) {
            int o = off + r * ld;
            for (int j = 0; j < len; j += L) {
                VectorMask<Float> m = S.indexInRange(j, len);
                FloatVector v = FloatVector.fromArray(S, c, o + j, m);
                if (bias != null) {
                    v = v.add(FloatVector.fromArray(S, bias, biasOff + j, m));
                }
                if (residual != null) {
                    v = v.add(FloatVector.fromArray(S, residual, o + j, m));
                }
                v.intoArray(c, o + j, m);
            }
        }
    }

    /** MR x NR tile for 3..6 valid rows (padded rows of the A pack are zero, their results are dropped). */
    private static void kernel6(float[] x, int xOff, int ldx, float[] b, int bOff, int kc, float[] d, int dOff, int ldd,
                                boolean first) {
        FloatVector c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51;
        if (first) {
            c00 = c01 = c10 = c11 = c20 = c21 = c30 = c31 = c40 = c41 = c50 = c51 = FloatVector.zero(S);
        } else {
            c00 = FloatVector.fromArray(S, d, dOff);
            c01 = FloatVector.fromArray(S, d, dOff + L);
            c10 = FloatVector.fromArray(S, d, dOff + ldd);
            c11 = FloatVector.fromArray(S, d, dOff + ldd + L);
            c20 = FloatVector.fromArray(S, d, dOff + 2 * ldd);
            c21 = FloatVector.fromArray(S, d, dOff + 2 * ldd + L);
            c30 = FloatVector.fromArray(S, d, dOff + 3 * ldd);
            c31 = FloatVector.fromArray(S, d, dOff + 3 * ldd + L);
            c40 = FloatVector.fromArray(S, d, dOff + 4 * ldd);
            c41 = FloatVector.fromArray(S, d, dOff + 4 * ldd + L);
            c50 = FloatVector.fromArray(S, d, dOff + 5 * ldd);
            c51 = FloatVector.fromArray(S, d, dOff + 5 * ldd + L);
        }
        int x0 = xOff, x1 = xOff + ldx, x2 = xOff + 2 * ldx, x3 = xOff + 3 * ldx, x4 = xOff + 4 * ldx, x5 = xOff + 5 * ldx;
        for (int p = 0; p < kc; p++) {
            int bo = bOff + p * NR;
            FloatVector b0 = FloatVector.fromArray(S, b, bo);
            FloatVector b1 = FloatVector.fromArray(S, b, bo + L);
            FloatVector v = FloatVector.broadcast(S, x[x0 + p]);
            c00 = b0.fma(v, c00);
            c01 = b1.fma(v, c01);
            v = FloatVector.broadcast(S, x[x1 + p]);
            c10 = b0.fma(v, c10);
            c11 = b1.fma(v, c11);
            v = FloatVector.broadcast(S, x[x2 + p]);
            c20 = b0.fma(v, c20);
            c21 = b1.fma(v, c21);
            v = FloatVector.broadcast(S, x[x3 + p]);
            c30 = b0.fma(v, c30);
            c31 = b1.fma(v, c31);
            v = FloatVector.broadcast(S, x[x4 + p]);
            c40 = b0.fma(v, c40);
            c41 = b1.fma(v, c41);
            v = FloatVector.broadcast(S, x[x5 + p]);
            c50 = b0.fma(v, c50);
            c51 = b1.fma(v, c51);
        }
        c00.intoArray(d, dOff);
        c01.intoArray(d, dOff + L);
        c10.intoArray(d, dOff + ldd);
        c11.intoArray(d, dOff + ldd + L);
        c20.intoArray(d, dOff + 2 * ldd);
        c21.intoArray(d, dOff + 2 * ldd + L);
        c30.intoArray(d, dOff + 3 * ldd);
        c31.intoArray(d, dOff + 3 * ldd + L);
        c40.intoArray(d, dOff + 4 * ldd);
        c41.intoArray(d, dOff + 4 * ldd + L);
        c50.intoArray(d, dOff + 5 * ldd);
        c51.intoArray(d, dOff + 5 * ldd + L);
    }

    /** 4 x NR tile (MR = 4) for 3..4 valid rows (padded rows of the A pack are zero, their results are dropped). */
    private static void kernel4(float[] x, int xOff, int ldx, float[] b, int bOff, int kc, float[] d, int dOff, int ldd,
                                boolean first) {
        FloatVector c00, c01, c10, c11, c20, c21, c30, c31;
        if (first) {
            c00 = c01 = c10 = c11 = c20 = c21 = c30 = c31 = FloatVector.zero(S);
        } else {
            c00 = FloatVector.fromArray(S, d, dOff);
            c01 = FloatVector.fromArray(S, d, dOff + L);
            c10 = FloatVector.fromArray(S, d, dOff + ldd);
            c11 = FloatVector.fromArray(S, d, dOff + ldd + L);
            c20 = FloatVector.fromArray(S, d, dOff + 2 * ldd);
            c21 = FloatVector.fromArray(S, d, dOff + 2 * ldd + L);
            c30 = FloatVector.fromArray(S, d, dOff + 3 * ldd);
            c31 = FloatVector.fromArray(S, d, dOff + 3 * ldd + L);
        }
        int x0 = xOff, x1 = xOff + ldx, x2 = xOff + 2 * ldx, x3 = xOff + 3 * ldx;
        for (int p = 0; p < kc; p++) {
            int bo = bOff + p * NR;
            FloatVector b0 = FloatVector.fromArray(S, b, bo);
            FloatVector b1 = FloatVector.fromArray(S, b, bo + L);
            FloatVector v = FloatVector.broadcast(S, x[x0 + p]);
            c00 = b0.fma(v, c00);
            c01 = b1.fma(v, c01);
            v = FloatVector.broadcast(S, x[x1 + p]);
            c10 = b0.fma(v, c10);
            c11 = b1.fma(v, c11);
            v = FloatVector.broadcast(S, x[x2 + p]);
            c20 = b0.fma(v, c20);
            c21 = b1.fma(v, c21);
            v = FloatVector.broadcast(S, x[x3 + p]);
            c30 = b0.fma(v, c30);
            c31 = b1.fma(v, c31);
        }
        c00.intoArray(d, dOff);
        c01.intoArray(d, dOff + L);
        c10.intoArray(d, dOff + ldd);
        c11.intoArray(d, dOff + ldd + L);
        c20.intoArray(d, dOff + 2 * ldd);
        c21.intoArray(d, dOff + 2 * ldd + L);
        c30.intoArray(d, dOff + 3 * ldd);
        c31.intoArray(d, dOff + 3 * ldd + L);
    }

    /**
     * 2 x NR tile for the last one or two rows, and for M = 1..2, where the six-row kernel would
     * waste two thirds of its FMAs.
     */
    private static void kernel2(float[] x, int xOff, int ldx, float[] b, int bOff, int kc, float[] d, int dOff, int ldd,
                                boolean first) {
        // One accumulator chain per output vector, k in order, exactly as kernel6 and kernel4 sum:
        // a row's result must not depend on whether it fell into a full tile or an edge tile, or a
        // text's embedding would change in the last bits with its batch mates.
        FloatVector c00, c01, c10, c11;
        if (first) {
            c00 = c01 = c10 = c11 = FloatVector.zero(S);
        } else {
            c00 = FloatVector.fromArray(S, d, dOff);
            c01 = FloatVector.fromArray(S, d, dOff + L);
            c10 = FloatVector.fromArray(S, d, dOff + ldd);
            c11 = FloatVector.fromArray(S, d, dOff + ldd + L);
        }
        int x0 = xOff, x1 = xOff + ldx;
        for (int p = 0; p < kc; p++) {
            int bo = bOff + p * NR;
            FloatVector b0 = FloatVector.fromArray(S, b, bo);
            FloatVector b1 = FloatVector.fromArray(S, b, bo + L);
            FloatVector v = FloatVector.broadcast(S, x[x0 + p]);
            c00 = b0.fma(v, c00);
            c01 = b1.fma(v, c01);
            v = FloatVector.broadcast(S, x[x1 + p]);
            c10 = b0.fma(v, c10);
            c11 = b1.fma(v, c11);
        }
        c00.intoArray(d, dOff);
        c01.intoArray(d, dOff + L);
        c10.intoArray(d, dOff + ldd);
        c11.intoArray(d, dOff + ldd + L);
    }
}
