package ffnkit.fff;

import ffnkit.kernels.MathFunctions;
import ffnkit.kernels.Parallel;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Conditional matrix multiplication (CMM): the batched, multi-threaded inference kernel of
 * {@link FastFeedForward}.
 *
 * <p><b>Why level-synchronous.</b> A per-token walk reads 2(D+1) weight rows per token and tree, and
 * at BERT-base width the 1x11 tree is 4095 x 768 x 2 floats = 25 MB: the rows come from L3 or DRAM
 * for every token and the kernel is memory-bound. Here the tokens of a tile walk the tree together,
 * one level at a time: the tokens that reached the same node are grouped (a counting sort by node,
 * scalar code), and each node's W_in row and W_out row are then read once for the whole group. In
 * the top levels a row serves hundreds of tokens; in the deep levels groups shrink to ~tile/2^level.
 *
 * <p><b>Tiles.</b> Tokens are processed in tiles of {@link #TILE} rows so that the tile's x rows and
 * y rows (tile·(d + d_out) floats, 1.5 MB at d = 768) stay in L2 across all D+1 levels; tiles are
 * the unit of the thread split. With several trees and too few tokens to give every thread a tile,
 * the trees are split instead, each thread summing into its own output buffer, reduced in a fixed
 * order.
 *
 * <p><b>Inner loops.</b> Dense vector loads and FMAs only (no gathers, no masked loads: both are
 * slow without AVX-512). A node's W_in row is dotted with up to 4 token rows at once (one weight
 * load feeds 4 FMAs), and its W_out row is added into up to 4 token outputs at once. Each token
 * keeps one vector accumulator whatever the group size, so a token's result does not depend on
 * how tokens were grouped: the kernel is deterministic for a given thread count.
 *
 * <p><b>Small batches.</b> One token: the plain path walk (vectorised dot and axpy), there is
 * nothing to group; the D+1 steps are a dependent chain, so only trees can run in parallel.
 */
final class Cmm {

    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    /** Tokens per tile; x and y rows of a tile stay in L2 (override: -Dffnkit.fff.tile=N). */
    static final int TILE = Integer.getInteger("ffnkit.fff.tile", 256);

    private Cmm() {
    }

    static void forward(FastFeedForward f, float[] x, int rows, float[] out) {
        int d = f.inputDim();
        int dOut = f.outputDim();
        if (x.length < (long) rows * d || out.length < (long) rows * dOut) {
            throw new IllegalArgumentException("x or out too small for " + rows + " rows");
        }
        if (rows == 0) {
            return;
        }
        Parallel pool = Parallel.shared();
        int threads = pool.threads();
        int trees = f.trees();
        if (trees > 1 && threads > 1 && rows < threads * 32) {
            forwardSplitTrees(f, x, rows, out, pool, Math.min(threads, trees));
            return;
        }
        int tile = Math.max(1, Math.min(TILE, (rows + threads - 1) / threads));
        int tiles = (rows + tile - 1) / tile;
        pool.forEach(tiles, i -> {
            int t0 = i * tile;
            int t1 = Math.min(rows, t0 + tile);
            initRows(out, t0, t1, dOut, f.b2());
            Scratch s = new Scratch(t1 - t0, f.depth());
            for (int k = 0; k < trees; k++) {
                tree(f, k, x, t0, t1, out, s);
            }
        });
    }

    /** Trees split over tasks; task 0 sums into out (with b2), the others into zeroed buffers. */
    private static void forwardSplitTrees(FastFeedForward f, float[] x, int rows, float[] out, Parallel pool,
                                          int tasks) {
        int dOut = f.outputDim();
        int trees = f.trees();
        float[][] partial = new float[tasks][];
        partial[0] = out;
        for (int p = 1; p < tasks; p++) {
            partial[p] = new float[rows * dOut];
        }
        pool.forEach(tasks, p -> {
            int k0 = (int) ((long) trees * p / tasks);
            int k1 = (int) ((long) trees * (p + 1) / tasks);
            float[] y = partial[p];
            if (p == 0) {
                initRows(y, 0, rows, dOut, f.b2());
            }
            Scratch s = new Scratch(rows, f.depth());
            for (int k = k0; k < k1; k++) {
                tree(f, k, x, 0, rows, y, s);
            }
        });
        for (int p = 1; p < tasks; p++) {
            float[] y = partial[p];
            for (int i = 0; i < rows * dOut; i++) {
                out[i] += y[i];
            }
        }
    }

    private static void initRows(float[] out, int t0, int t1, int dOut, float[] b2) {
        for (int t = t0; t < t1; t++) {
            System.arraycopy(b2, 0, out, t * dOut, dOut);
        }
    }

    /** Per-task scratch: node per token, tokens sorted by node, bucket starts. */
    private static final class Scratch {
        final int[] node;
        final int[] order;
        final int[] start;
        final float[] logits = new float[4];

        Scratch(int tokens, int depth) {
            node = new int[tokens];
            order = new int[tokens];
            start = new int[(1 << depth) + 1];
        }
    }

    /** Tokens [t0, t1) walk tree k level by level; y rows are indexed like x rows. */
    private static void tree(FastFeedForward f, int k, float[] x, int t0, int t1, float[] y, Scratch s) {
        int count = t1 - t0;
        if (count == 1) {
            walkOne(f, k, x, t0, y);
            return;
        }
        int n = f.nodesPerTree();
        int[] node = s.node;
        int[] order = s.order;
        int[] start = s.start;
        java.util.Arrays.fill(node, 0, count, 0);
        for (int level = 0; level <= f.depth(); level++) {
            int first = (1 << level) - 1;
            int width = 1 << level;
            // Counting sort of the tile's tokens by node at this level (scalar routing).
            java.util.Arrays.fill(start, 0, width + 1, 0);
            for (int t = 0; t < count; t++) {
                start[node[t] - first + 1]++;
            }
            for (int b = 0; b < width; b++) {
                start[b + 1] += start[b];
            }
            for (int t = 0; t < count; t++) {
                order[start[node[t] - first]++] = t;
            }
            // start[b] is now the end of bucket b; bucket b begins at start[b-1] (0 for b = 0).
            int begin = 0;
            for (int b = 0; b < width; b++) {
                int end = start[b];
                if (end > begin) {
                    group(f, k * n + first + b, x, t0, order, begin, end, y, node, s.logits);
                }
                begin = end;
            }
        }
    }

    /**
     * One node and the tokens order[begin, end) (tile-relative) that reached it: l = x·W_in[row] +
     * b_in[row], y += GELU(l)·W_out[row], node = 2·node + 1 + (l > 0). Tokens in blocks of 4.
     */
    private static void group(FastFeedForward f, int row, float[] x, int t0, int[] order, int begin, int end,
                              float[] y, int[] node, float[] l) {
        int d = f.inputDim();
        int dOut = f.outputDim();
        float[] wIn = f.wIn();
        float[] wOut = f.wOut();
        float bias = f.bIn()[row];
        int wInOff = row * d;
        int wOutOff = row * dOut;
        int g = begin;
        for (; g + 4 <= end; g += 4) {
            int a = order[g];
            int b = order[g + 1];
            int c = order[g + 2];
            int e = order[g + 3];
            dot4(wIn, wInOff, x, (t0 + a) * d, (t0 + b) * d, (t0 + c) * d, (t0 + e) * d, d, l);
            float la = l[0] + bias;
            float lb = l[1] + bias;
            float lc = l[2] + bias;
            float le = l[3] + bias;
            axpy4(wOut, wOutOff, dOut, y, (t0 + a) * dOut, MathFunctions.gelu(la), (t0 + b) * dOut,
                    MathFunctions.gelu(lb), (t0 + c) * dOut, MathFunctions.gelu(lc), (t0 + e) * dOut,
                    MathFunctions.gelu(le));
            node[a] = 2 * node[a] + 1 + (la > 0 ? 1 : 0);
            node[b] = 2 * node[b] + 1 + (lb > 0 ? 1 : 0);
            node[c] = 2 * node[c] + 1 + (lc > 0 ? 1 : 0);
            node[e] = 2 * node[e] + 1 + (le > 0 ? 1 : 0);
        }
        for (; g < end; g++) {
            int a = order[g];
            float la = dot(wIn, wInOff, x, (t0 + a) * d, d) + bias;
            axpy(wOut, wOutOff, dOut, y, (t0 + a) * dOut, MathFunctions.gelu(la));
            node[a] = 2 * node[a] + 1 + (la > 0 ? 1 : 0);
        }
    }

    /** The per-token walk for a single token t (global index). */
    private static void walkOne(FastFeedForward f, int k, float[] x, int t, float[] y) {
        int d = f.inputDim();
        int dOut = f.outputDim();
        int n = f.nodesPerTree();
        int node = 0;
        for (int level = 0; level <= f.depth(); level++) {
            int row = k * n + node;
            float l = dot(f.wIn(), row * d, x, t * d, d) + f.bIn()[row];
            axpy(f.wOut(), row * dOut, dOut, y, t * dOut, MathFunctions.gelu(l));
            node = 2 * node + 1 + (l > 0 ? 1 : 0);
        }
    }

    /** w[wOff..+len)·x[xOff..+len): one vector accumulator, lanes reduced, then the scalar tail. */
    static float dot(float[] w, int wOff, float[] x, int xOff, int len) {
        int bound = S.loopBound(len);
        FloatVector acc = FloatVector.zero(S);
        int i = 0;
        for (; i < bound; i += S.length()) {
            acc = FloatVector.fromArray(S, x, xOff + i).fma(FloatVector.fromArray(S, w, wOff + i), acc);
        }
        float sum = acc.reduceLanes(VectorOperators.ADD);
        for (; i < len; i++) {
            sum += x[xOff + i] * w[wOff + i];
        }
        return sum;
    }

    /** Four dots against one weight row, summed exactly as {@link #dot} sums each of them. */
    private static void dot4(float[] w, int wOff, float[] x, int x0, int x1, int x2, int x3, int len, float[] out) {
        int bound = S.loopBound(len);
        FloatVector a0 = FloatVector.zero(S);
        FloatVector a1 = FloatVector.zero(S);
        FloatVector a2 = FloatVector.zero(S);
        FloatVector a3 = FloatVector.zero(S);
        int i = 0;
        for (; i < bound; i += S.length()) {
            FloatVector wv = FloatVector.fromArray(S, w, wOff + i);
            a0 = FloatVector.fromArray(S, x, x0 + i).fma(wv, a0);
            a1 = FloatVector.fromArray(S, x, x1 + i).fma(wv, a1);
            a2 = FloatVector.fromArray(S, x, x2 + i).fma(wv, a2);
            a3 = FloatVector.fromArray(S, x, x3 + i).fma(wv, a3);
        }
        float s0 = a0.reduceLanes(VectorOperators.ADD);
        float s1 = a1.reduceLanes(VectorOperators.ADD);
        float s2 = a2.reduceLanes(VectorOperators.ADD);
        float s3 = a3.reduceLanes(VectorOperators.ADD);
        for (; i < len; i++) {
            float wv = w[wOff + i];
            s0 += x[x0 + i] * wv;
            s1 += x[x1 + i] * wv;
            s2 += x[x2 + i] * wv;
            s3 += x[x3 + i] * wv;
        }
        out[0] = s0;
        out[1] = s1;
        out[2] = s2;
        out[3] = s3;
    }

    /** y[yOff..+len) += a·w[wOff..+len). */
    static void axpy(float[] w, int wOff, int len, float[] y, int yOff, float a) {
        int bound = S.loopBound(len);
        FloatVector av = FloatVector.broadcast(S, a);
        int j = 0;
        for (; j < bound; j += S.length()) {
            FloatVector.fromArray(S, w, wOff + j).fma(av, FloatVector.fromArray(S, y, yOff + j)).intoArray(y, yOff + j);
        }
        for (; j < len; j++) {
            y[yOff + j] += a * w[wOff + j];
        }
    }

    /** Four axpys sharing each load of the weight row; per row the same arithmetic as {@link #axpy}. */
    private static void axpy4(float[] w, int wOff, int len, float[] y, int y0, float c0, int y1, float c1, int y2,
                              float c2, int y3, float c3) {
        int bound = S.loopBound(len);
        FloatVector v0 = FloatVector.broadcast(S, c0);
        FloatVector v1 = FloatVector.broadcast(S, c1);
        FloatVector v2 = FloatVector.broadcast(S, c2);
        FloatVector v3 = FloatVector.broadcast(S, c3);
        int j = 0;
        for (; j < bound; j += S.length()) {
            FloatVector wv = FloatVector.fromArray(S, w, wOff + j);
            wv.fma(v0, FloatVector.fromArray(S, y, y0 + j)).intoArray(y, y0 + j);
            wv.fma(v1, FloatVector.fromArray(S, y, y1 + j)).intoArray(y, y1 + j);
            wv.fma(v2, FloatVector.fromArray(S, y, y2 + j)).intoArray(y, y2 + j);
            wv.fma(v3, FloatVector.fromArray(S, y, y3 + j)).intoArray(y, y3 + j);
        }
        for (; j < len; j++) {
            float wv = w[wOff + j];
            y[y0 + j] += c0 * wv;
            y[y1 + j] += c1 * wv;
            y[y2 + j] += c2 * wv;
            y[y3 + j] += c3 * wv;
        }
    }
}
