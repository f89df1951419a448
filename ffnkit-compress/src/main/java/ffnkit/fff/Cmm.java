package ffnkit.fff;

import ffnkit.kernels.MathFunctions;
import ffnkit.kernels.Parallel;
import ffnkit.kernels.Simd;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Conditional matrix multiplication (CMM): the batched, multi-threaded inference kernel of
 * {@link FastFeedForward}.
 *
 * <p><b>Why level-synchronous.</b> A per-token walk reads 2(D+1) weight rows per token and tree, and
 * at BERT-base width the 1x11 tree is 4095 x 768 x 2 floats = 25 MB: the rows come from L3 or DRAM
 * for every token and the kernel is memory-bound. Here the tokens of a tile walk the tree together,
 * one level at a time: the tokens that reached the same node are grouped (a counting sort by node,
 * scalar code), and each node's W_in row is then read once for the whole group. In the top levels
 * a row serves hundreds of tokens; in the deep levels groups shrink to ~tile/2^level.
 *
 * <p><b>Why two phases.</b> A token's path depends only on x and W_in; W_out only turns the path
 * into y. So the kernel first routes (computing each token's D+1 pre-activations and its final
 * node: 12 floats and an int per token and tree, tiny next to its 3 KB x row) and then writes the
 * outputs: y_t = b2 + sum over the path of GELU(l)·W_out[node], summed in registers over the whole
 * path and stored once per token. The earlier single-phase walk added each neuron's W_out row into
 * y with a read-modify-write (one load and one store of y per FMA, the stores were the limit), and
 * every band re-read and re-wrote all of y. GELU runs in between over all pre-activations at once,
 * in double vectors, instead of one scalar exp per neuron inside the walk.
 *
 * <p><b>Tiles.</b> Tokens are routed in tiles of {@link #TILE} rows so that the tile's x rows
 * (384 KB at d = 768) stay in L2 across the levels; tiles are the unit of the thread split. When
 * routing needs no bands (several trees; one tree at small batch sizes), each tile does both
 * phases in one task ({@link #forwardTilesTwoPhase}). With several trees and too few tokens to
 * give every thread a tile, the trees are split instead (single-phase walk, each thread summing
 * into its own output buffer, reduced in a fixed order).
 *
 * <p><b>Bands (one deep tree, many tokens).</b> Below level log2(tile) a tile has about one token
 * per node, so a tiled walk would fetch a W_in row from L3/DRAM per token and level (the 1x11 W_in
 * is 12.6 MB). The routing levels are therefore cut into bands whose subtrees' W_in rows fit in L2
 * ({@link #BAND_BYTES}: 6 levels, 63 rows, at d = 768); between bands all tokens are regrouped by
 * the subtree they entered, and each subtree's tokens walk its band together, so each deep row is
 * fetched once per batch and then reused from L2. The price is one more pass over x per band (no
 * pass over y: routing does not touch it). A byte-count model picks bands or plain tiles. The
 * output phase then counting-sorts the tokens by leaf and walks them in leaf order: consecutive
 * tokens share their upper rows (tokens of one leaf share all D+1), so blocks of 4 tokens load
 * each shared W_out row once, and neighbouring leaves find their ancestors' rows in L1/L2.
 *
 * <p><b>What bounds it.</b> At 16384 tokens and d = 768 the kernel moves x twice (2 bands, 96 MB),
 * y once (48 MB, plus the write-allocate read), W_in and W_out once (25 MB): ~7 ms at the ~31 GB/s
 * this 2-core machine streams. On one core the routing dots dominate (~18 ms, of which only ~2 ms
 * go away when x is made L2-resident), then the output phase (~8 ms, ~3 ms of it storing y).
 *
 * <p><b>Inner loops.</b> Dense vector loads and FMAs only (no gathers, no masked loads: both are
 * slow without AVX-512). A node's W_in row is dotted with up to 4 token rows at once (one weight
 * load feeds 4 FMAs; with 8 rows, C2 ran out of general registers for the row offsets, spilled
 * them and kept a bounds check per load: 27 against 44 GFLOP/s on L2-resident rows, and 6% slower
 * routing end to end); every token sums its dot in two vector accumulators (even and odd vectors)
 * whatever the group size, and its output row in a fixed order (b2, then the path terms in
 * order), so a token's result does not depend on how tokens were grouped: the kernel is
 * deterministic for a given thread count.
 *
 * <p><b>Small batches.</b> One token: the plain path walk (vectorised dot and axpy), there is
 * nothing to group; the D+1 steps are a dependent chain, so only trees can run in parallel.
 */
final class Cmm {

    static final VectorSpecies<Float> S = Simd.FLOAT;

    /** Tokens per tile; the x rows of a tile stay in L2 (override: -Dffnkit.fff.tile=N). */
    static final int TILE = Integer.getInteger("ffnkit.fff.tile", 128);

    /**
     * Weight bytes of one level band's subtree (override: -Dffnkit.fff.bandBytes=N): well inside
     * L2 next to a tile's x rows (a quarter to half of a 1-2 MB L2).
     */
    static final long BAND_BYTES = Long.getLong("ffnkit.fff.bandBytes", 384 * 1024);


    private Cmm() {
    }

    /** The one-tree two-phase path with the given tile and routing band budget, whatever the models say: for tests. */
    static void forwardTwoPhaseForTest(FastFeedForward f, float[] x, int rows, float[] out, int tile, long bandBytes) {
        forwardTwoPhase(f, x, rows, out, Parallel.shared(), tile, bands(f.depth() + 1, 4L * f.inputDim(), bandBytes));
    }

    /**
     * One tree, two phases. Routing: the level-synchronous (and, for deep trees, banded) walk with
     * W_in only, recording each token's pre-activation per level and its final node. Output: tokens
     * counting-sorted by leaf, leaves walked left to right, and each token's output row summed from
     * its D+1 W_out rows in registers and written once.
     */
    private static void forwardTwoPhase(FastFeedForward f, float[] x, int rows, float[] out, Parallel pool, int tile,
                                        int[] bands) {
        int levels = f.depth() + 1;
        float[] act = new float[rows * levels];
        int[] node = new int[rows];
        walkBanded(f, x, rows, act, node, pool, tile, bands);
        int gchunk = 4096;
        pool.forEach((act.length + gchunk - 1) / gchunk, i -> geluInPlace(act, i * gchunk, Math.min(act.length,
                (i + 1) * gchunk)));
        outputByLeaf(f, rows, out, pool, node, act);
    }

    /**
     * Several trees, or one tree at batch sizes where routing needs no bands: the two phases within
     * each tile of tokens (one parallel region per call). The tile walks every tree with
     * W_in only (pre-activations of all K·(D+1) path neurons per token), then each token's output
     * row is summed in registers from its K·(D+1) W_out rows and written once, instead of K·(D+1)
     * read-modify-write passes over the tile's y rows.
     */
    private static void forwardTilesTwoPhase(FastFeedForward f, float[] x, int rows, float[] out, Parallel pool,
                                             int tile) {
        int trees = f.trees();
        int depth = f.depth();
        int paths = f.neuronsPerToken();
        int n = f.nodesPerTree();
        int dOut = f.outputDim();
        float[] act = new float[rows * paths];
        int[] nodeOf = new int[rows];
        int tiles = (rows + tile - 1) / tile;
        pool.forEach(tiles, i -> {
            int t0 = i * tile;
            int t1 = Math.min(rows, t0 + tile);
            int count = t1 - t0;
            Scratch s = new Scratch(count, depth);
            int[] past = new int[count * trees];
            for (int t = t0; t < t1; t++) {
                s.tokens[t - t0] = t;
            }
            for (int k = 0; k < trees; k++) {
                walk(f, k, x, null, act, s.tokens, 0, count, 0, depth + 1, nodeOf, s);
                for (int t = t0; t < t1; t++) {
                    past[(t - t0) * trees + k] = nodeOf[t];
                }
            }
            geluInPlace(act, t0 * paths, t1 * paths);
            // Tokens ordered by their leaf in tree 0, so that blocks of 4 share that tree's top rows.
            long[] byLeaf = new long[count];
            for (int g = 0; g < count; g++) {
                byLeaf[g] = (long) past[g * trees] << 32 | g;
            }
            java.util.Arrays.sort(byLeaf);
            int[][] off = new int[4][paths];
            int[] tk = new int[4];
            int g = 0;
            for (; g + 4 <= count; g += 4) {
                for (int q = 0; q < 4; q++) {
                    tk[q] = (int) byLeaf[g + q];
                    pathOffsets(past, tk[q] * trees, trees, n, depth, dOut, off[q]);
                }
                out4(f.wOut(), paths, off[0], off[1], off[2], off[3], act, t0 + tk[0], t0 + tk[1], t0 + tk[2],
                        t0 + tk[3], out, f.b2(), dOut);
            }
            for (; g < count; g++) {
                int one = (int) byLeaf[g];
                pathOffsets(past, one * trees, trees, n, depth, dOut, off[0]);
                out1(f.wOut(), off[0], paths, act, t0 + one, out, f.b2(), dOut);
            }
        });
    }

    /** off[level·K + k] = offset in W_out of tree k's row on the path to past[from + k] (level D+1). */
    private static void pathOffsets(int[] past, int from, int trees, int n, int depth, int dOut, int[] off) {
        for (int k = 0; k < trees; k++) {
            int leafNode = (past[from + k] - 1) >> 1;
            for (int l = 0; l <= depth; l++) {
                off[l * trees + k] = (k * n + ((leafNode + 1) >> (depth - l)) - 1) * dOut;
            }
        }
    }

    /**
     * Cost model of routing in bytes moved from beyond L2. Tiled: every tile reads, per level, one
     * W_in row per distinct node its tokens reach (at most min(2^level, tile)). Banded: x once per
     * band, plus W_in once.
     */
    private static boolean routeBandedIsCheaper(FastFeedForward f, int rows, int tile, int[] bands) {
        double tiles = Math.ceil((double) rows / tile);
        double tiledRows = 0;
        for (int level = 0; level <= f.depth(); level++) {
            tiledRows += Math.min(1L << level, tile);
        }
        double tiled = tiles * tiledRows * 4.0 * f.inputDim();
        double banded = (bands.length - 1) * (double) rows * 4.0 * f.inputDim()
                + (double) f.neurons() * 4.0 * f.inputDim();
        return banded < tiled;
    }

    private static final VectorSpecies<Double> DS = DoubleVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Float> HALF = VectorSpecies.of(float.class,
            VectorShape.forBitSize(DS.vectorBitSize() / 2));

    /**
     * a[i] = GELU(a[i]) for i in [from, to): the formula of {@link MathFunctions#gelu} (erf of
     * Numerical Recipes, in double) in double vectors, so a group of pre-activations costs a few
     * vector ops instead of a scalar exp each. The vector exp may differ from Math.exp by an ulp of
     * a double, far below the float result's precision. Lanes are independent: the value of an
     * element does not depend on its neighbours.
     */
    static void geluInPlace(float[] a, int from, int to) {
        int n = DS.length();
        int i = from;
        for (; i + n <= to; i += n) {
            DoubleVector x = (DoubleVector) FloatVector.fromArray(HALF, a, i).convertShape(VectorOperators.F2D, DS, 0);
            DoubleVector u = x.mul(0.7071067811865476);
            DoubleVector z = u.abs();
            DoubleVector t = DoubleVector.broadcast(DS, 1.0).div(z.mul(0.5).add(1.0));
            DoubleVector p = t.mul(0.17087277).add(-0.82215223);
            p = t.mul(p).add(1.48851587);
            p = t.mul(p).add(-1.13520398);
            p = t.mul(p).add(0.27886807);
            p = t.mul(p).add(-0.18628806);
            p = t.mul(p).add(0.09678418);
            p = t.mul(p).add(0.37409196);
            p = t.mul(p).add(1.00002368);
            DoubleVector e = z.neg().mul(z).sub(1.26551223).add(t.mul(p));
            DoubleVector erfc = t.mul(e.lanewise(VectorOperators.EXP));
            DoubleVector one = DoubleVector.broadcast(DS, 1.0);
            DoubleVector erf = one.sub(erfc).blend(erfc.sub(one), u.compare(VectorOperators.LT, 0.0));
            DoubleVector g = x.mul(0.5).mul(one.add(erf));
            ((FloatVector) g.convertShape(VectorOperators.D2F, HALF, 0)).intoArray(a, i);
        }
        for (; i < to; i++) {
            a[i] = MathFunctions.gelu(a[i]);
        }
    }

    /** Tokens per output task (a contiguous range of the tokens in leaf order). */
    private static final int OUTPUT_TASK_TOKENS = 256;

    /**
     * Output phase of one tree: y_t = b2 + sum over levels of act[t, level]·W_out[node of t at level],
     * each row written once. node[t] is the token's node at level D+1 (one past the leaves). The
     * tokens are counting-sorted by leaf, so consecutive tokens share their top levels (all D+1 for
     * tokens of one leaf): blocks of 4 consecutive tokens load each shared row once for the four,
     * and rows of neighbouring leaves are still in L1/L2 when the next block needs them.
     */
    private static void outputByLeaf(FastFeedForward f, int rows, float[] out, Parallel pool, int[] node, float[] act) {
        int depth = f.depth();
        int levels = depth + 1;
        int dOut = f.outputDim();
        int leaves = 1 << depth;
        int firstPast = (1 << levels) - 1;
        int[] start = new int[leaves + 1];
        for (int t = 0; t < rows; t++) {
            start[((node[t] - firstPast) >> 1) + 1]++;
        }
        for (int i = 0; i < leaves; i++) {
            start[i + 1] += start[i];
        }
        int[] order = new int[rows];
        for (int t = 0; t < rows; t++) {
            order[start[(node[t] - firstPast) >> 1]++] = t;
        }
        int per = Math.max(4, Math.min(OUTPUT_TASK_TOKENS, (rows / pool.threads() + 3) & ~3));
        float[] wOut = f.wOut();
        float[] b2 = f.b2();
        pool.forEach((rows + per - 1) / per, i -> {
            int[][] off = new int[4][levels];
            int g = i * per;
            int end = Math.min(rows, g + per);
            for (; g + 4 <= end; g += 4) {
                for (int q = 0; q < 4; q++) {
                    pathOffsets(node[order[g + q]], depth, dOut, off[q]);
                }
                out4(wOut, levels, off[0], off[1], off[2], off[3], act, order[g], order[g + 1], order[g + 2],
                        order[g + 3], out, b2, dOut);
            }
            for (; g < end; g++) {
                pathOffsets(node[order[g]], depth, dOut, off[0]);
                out1(wOut, off[0], levels, act, order[g], out, b2, dOut);
            }
        });
    }

    /** off[level] = offset in W_out of the row on the path to `past` (a node at level depth+1). */
    private static void pathOffsets(int past, int depth, int dOut, int[] off) {
        int leafNode = (past - 1) >> 1;
        for (int l = 0; l <= depth; l++) {
            off[l] = (((leafNode + 1) >> (depth - l)) - 1) * dOut;
        }
    }

    /**
     * Output rows of four tokens, each the sum of `paths` terms act[token, p]·W_out[row p of the
     * token] (p = level·K + tree; o*[p] are the rows' offsets in W_out). Per 4-vector column
     * chunk, 16 accumulators start at b2 and take one FMA per term, then are stored once. The
     * leading rows that all four tokens share (the roots; with one tree and tokens sorted by leaf,
     * their common ancestors: most of the path) are loaded once for the four. Per element the same operations in the same order as
     * {@link #out1}, so blocking does not change results.
     */
    private static void out4(float[] w, int paths, int[] oa, int[] ob, int[] oc, int[] oe, float[] act, int a, int b,
                             int c, int e, float[] y, float[] b2, int dOut) {
        int shared = 0;
        while (shared < paths && oa[shared] == ob[shared] && oa[shared] == oc[shared] && oa[shared] == oe[shared]) {
            shared++;
        }
        int vl = S.length();
        int pa = a * paths;
        int pb = b * paths;
        int pc = c * paths;
        int pe = e * paths;
        int j = 0;
        for (; j + 4 * vl <= dOut; j += 4 * vl) {
            FloatVector a0 = FloatVector.fromArray(S, b2, j);
            FloatVector a1 = FloatVector.fromArray(S, b2, j + vl);
            FloatVector a2 = FloatVector.fromArray(S, b2, j + 2 * vl);
            FloatVector a3 = FloatVector.fromArray(S, b2, j + 3 * vl);
            FloatVector b0 = a0, b1 = a1, b2v = a2, b3 = a3;
            FloatVector c0 = a0, c1 = a1, c2 = a2, c3 = a3;
            FloatVector e0 = a0, e1 = a1, e2 = a2, e3 = a3;
            int l = 0;
            for (; l < shared; l++) {
                {
                    int o = oa[l] + j;
                    FloatVector w0 = FloatVector.fromArray(S, w, o);
                    FloatVector w1 = FloatVector.fromArray(S, w, o + vl);
                    FloatVector w2 = FloatVector.fromArray(S, w, o + 2 * vl);
                    FloatVector w3 = FloatVector.fromArray(S, w, o + 3 * vl);
                    FloatVector s = FloatVector.broadcast(S, act[pa + l]);
                    a0 = w0.fma(s, a0);
                    a1 = w1.fma(s, a1);
                    a2 = w2.fma(s, a2);
                    a3 = w3.fma(s, a3);
                    s = FloatVector.broadcast(S, act[pb + l]);
                    b0 = w0.fma(s, b0);
                    b1 = w1.fma(s, b1);
                    b2v = w2.fma(s, b2v);
                    b3 = w3.fma(s, b3);
                    s = FloatVector.broadcast(S, act[pc + l]);
                    c0 = w0.fma(s, c0);
                    c1 = w1.fma(s, c1);
                    c2 = w2.fma(s, c2);
                    c3 = w3.fma(s, c3);
                    s = FloatVector.broadcast(S, act[pe + l]);
                    e0 = w0.fma(s, e0);
                    e1 = w1.fma(s, e1);
                    e2 = w2.fma(s, e2);
                    e3 = w3.fma(s, e3);
                }
            }
            for (; l < paths; l++) {
                {
                    int o = oa[l] + j;
                    FloatVector s = FloatVector.broadcast(S, act[pa + l]);
                    a0 = FloatVector.fromArray(S, w, o).fma(s, a0);
                    a1 = FloatVector.fromArray(S, w, o + vl).fma(s, a1);
                    a2 = FloatVector.fromArray(S, w, o + 2 * vl).fma(s, a2);
                    a3 = FloatVector.fromArray(S, w, o + 3 * vl).fma(s, a3);
                    o = ob[l] + j;
                    s = FloatVector.broadcast(S, act[pb + l]);
                    b0 = FloatVector.fromArray(S, w, o).fma(s, b0);
                    b1 = FloatVector.fromArray(S, w, o + vl).fma(s, b1);
                    b2v = FloatVector.fromArray(S, w, o + 2 * vl).fma(s, b2v);
                    b3 = FloatVector.fromArray(S, w, o + 3 * vl).fma(s, b3);
                    o = oc[l] + j;
                    s = FloatVector.broadcast(S, act[pc + l]);
                    c0 = FloatVector.fromArray(S, w, o).fma(s, c0);
                    c1 = FloatVector.fromArray(S, w, o + vl).fma(s, c1);
                    c2 = FloatVector.fromArray(S, w, o + 2 * vl).fma(s, c2);
                    c3 = FloatVector.fromArray(S, w, o + 3 * vl).fma(s, c3);
                    o = oe[l] + j;
                    s = FloatVector.broadcast(S, act[pe + l]);
                    e0 = FloatVector.fromArray(S, w, o).fma(s, e0);
                    e1 = FloatVector.fromArray(S, w, o + vl).fma(s, e1);
                    e2 = FloatVector.fromArray(S, w, o + 2 * vl).fma(s, e2);
                    e3 = FloatVector.fromArray(S, w, o + 3 * vl).fma(s, e3);
                }
            }
            int ya = a * dOut + j;
            int yb = b * dOut + j;
            int yc = c * dOut + j;
            int ye = e * dOut + j;
            a0.intoArray(y, ya);
            a1.intoArray(y, ya + vl);
            a2.intoArray(y, ya + 2 * vl);
            a3.intoArray(y, ya + 3 * vl);
            b0.intoArray(y, yb);
            b1.intoArray(y, yb + vl);
            b2v.intoArray(y, yb + 2 * vl);
            b3.intoArray(y, yb + 3 * vl);
            c0.intoArray(y, yc);
            c1.intoArray(y, yc + vl);
            c2.intoArray(y, yc + 2 * vl);
            c3.intoArray(y, yc + 3 * vl);
            e0.intoArray(y, ye);
            e1.intoArray(y, ye + vl);
            e2.intoArray(y, ye + 2 * vl);
            e3.intoArray(y, ye + 3 * vl);
        }
        if (j < dOut) {
            outTail(w, oa, paths, act, a, y, b2, dOut, j);
            outTail(w, ob, paths, act, b, y, b2, dOut, j);
            outTail(w, oc, paths, act, c, y, b2, dOut, j);
            outTail(w, oe, paths, act, e, y, b2, dOut, j);
        }
    }

    /** Output row of one token: as {@link #out4} for a single token. */
    private static void out1(float[] w, int[] rowOff, int paths, float[] act, int a, float[] y, float[] b2,
                             int dOut) {
        int vl = S.length();
        int pa = a * paths;
        int j = 0;
        for (; j + 4 * vl <= dOut; j += 4 * vl) {
            FloatVector a0 = FloatVector.fromArray(S, b2, j);
            FloatVector a1 = FloatVector.fromArray(S, b2, j + vl);
            FloatVector a2 = FloatVector.fromArray(S, b2, j + 2 * vl);
            FloatVector a3 = FloatVector.fromArray(S, b2, j + 3 * vl);
            for (int l = 0; l < paths; l++) {
                int o = rowOff[l] + j;
                FloatVector s = FloatVector.broadcast(S, act[pa + l]);
                a0 = FloatVector.fromArray(S, w, o).fma(s, a0);
                a1 = FloatVector.fromArray(S, w, o + vl).fma(s, a1);
                a2 = FloatVector.fromArray(S, w, o + 2 * vl).fma(s, a2);
                a3 = FloatVector.fromArray(S, w, o + 3 * vl).fma(s, a3);
            }
            int ya = a * dOut + j;
            a0.intoArray(y, ya);
            a1.intoArray(y, ya + vl);
            a2.intoArray(y, ya + 2 * vl);
            a3.intoArray(y, ya + 3 * vl);
        }
        if (j < dOut) {
            outTail(w, rowOff, paths, act, a, y, b2, dOut, j);
        }
    }

    /** Columns [j, dOut) of one token's output row: one vector at a time, then scalar FMAs. */
    private static void outTail(float[] w, int[] rowOff, int paths, float[] act, int a, float[] y, float[] b2,
                                int dOut, int j) {
        int vl = S.length();
        int pa = a * paths;
        for (; j + vl <= dOut; j += vl) {
            FloatVector acc = FloatVector.fromArray(S, b2, j);
            for (int l = 0; l < paths; l++) {
                acc = FloatVector.fromArray(S, w, rowOff[l] + j).fma(FloatVector.broadcast(S, act[pa + l]), acc);
            }
            acc.intoArray(y, a * dOut + j);
        }
        for (; j < dOut; j++) {
            float acc = b2[j];
            for (int l = 0; l < paths; l++) {
                acc = Math.fma(w[rowOff[l] + j], act[pa + l], acc);
            }
            y[a * dOut + j] = acc;
        }
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
        if (rows > 1) {
            if (trees == 1) {
                int[] bands = bands(f.depth() + 1, 4L * f.inputDim(), BAND_BYTES);
                if (bands.length > 2 && rows > tile && routeBandedIsCheaper(f, rows, tile, bands)) {
                    forwardTwoPhase(f, x, rows, out, pool, tile, bands);
                    return;
                }
            }
            forwardTilesTwoPhase(f, x, rows, out, pool, tile);
            return;
        }
        // One token: its path walk.
        int tiles = (rows + tile - 1) / tile;
        int[] nodeOf = new int[rows];
        pool.forEach(tiles, i -> {
            int t0 = i * tile;
            int t1 = Math.min(rows, t0 + tile);
            initRows(out, t0, t1, dOut, f.b2());
            Scratch s = new Scratch(t1 - t0, f.depth());
            for (int t = t0; t < t1; t++) {
                s.tokens[t - t0] = t;
            }
            for (int k = 0; k < trees; k++) {
                walk(f, k, x, out, null, s.tokens, 0, t1 - t0, 0, f.depth() + 1, nodeOf, s);
            }
        });
    }

    /**
     * Level bands [bands[i], bands[i+1]) of `paths` levels such that one band's subtree
     * (2^len - 1 rows of `rowBytes` bytes) fits in bandBytes; bands are balanced in length. One
     * band = the whole tree.
     */
    static int[] bands(int paths, long rowBytes, long bandBytes) {
        int maxLen = 1;
        while (maxLen < paths && ((1L << (maxLen + 1)) - 1) * rowBytes <= bandBytes) {
            maxLen++;
        }
        int count = (paths + maxLen - 1) / maxLen;
        int[] b = new int[count + 1];
        for (int i = 0; i <= count; i++) {
            b[i] = (int) ((long) paths * i / count);
        }
        return b;
    }

    /**
     * Routing of one tree in level bands: before each band the tokens are counting-sorted by the
     * subtree root they reached, and each subtree's tokens walk its band in tiles, so the subtree's
     * W_in rows are read from memory once and then serve all its tokens from L2. Pre-activations go
     * into pre, each token's final node (at level D+1) into node.
     */
    private static void walkBanded(FastFeedForward f, float[] x, int rows, float[] pre, int[] node, Parallel pool,
                                   int tile, int[] bands) {
        int[] sorted = new int[rows];
        int maxBand = 0;
        for (int b = 0; b + 1 < bands.length; b++) {
            maxBand = Math.max(maxBand, bands[b + 1] - bands[b]);
        }
        int bandDepth = maxBand - 1;
        java.util.Arrays.fill(node, 0, rows, 0);
        for (int b = 0; b + 1 < bands.length; b++) {
            int from = bands[b];
            int to = bands[b + 1];
            // Tokens grouped by their node at level `from` (the subtree root of this band).
            int first = (1 << from) - 1;
            int width = 1 << from;
            int[] start = new int[width + 1];
            for (int t = 0; t < rows; t++) {
                start[node[t] - first + 1]++;
            }
            for (int r = 0; r < width; r++) {
                start[r + 1] += start[r];
            }
            int[] fill = java.util.Arrays.copyOf(start, width);
            for (int t = 0; t < rows; t++) {
                sorted[fill[node[t] - first]++] = t;
            }
            // Tasks: tiles within each subtree's token range.
            int taskCount = 0;
            for (int r = 0; r < width; r++) {
                taskCount += (start[r + 1] - start[r] + tile - 1) / tile;
            }
            int[] taskFrom = new int[taskCount];
            int[] taskTo = new int[taskCount];
            int tc = 0;
            for (int r = 0; r < width; r++) {
                for (int p = start[r]; p < start[r + 1]; p += tile) {
                    taskFrom[tc] = p;
                    taskTo[tc++] = Math.min(start[r + 1], p + tile);
                }
            }
            pool.forEach(taskCount, i -> {
                Scratch s = new Scratch(tile, bandDepth);
                walk(f, 0, x, null, pre, sorted, taskFrom[i], taskTo[i], from, to, node, s);
            });
        }
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
            for (int t = 0; t < rows; t++) {
                s.tokens[t] = t;
            }
            for (int k = k0; k < k1; k++) {
                walk(f, k, x, y, null, s.tokens, 0, rows, 0, f.depth() + 1, s.node, s);
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

    /** Per-task scratch: token list, node per token (tiled path), tokens sorted by node, bucket ends. */
    private static final class Scratch {
        final int[] tokens;
        final int[] node;
        final int[] order;
        final int[] start;
        final float[] logits = new float[4];

        /** @param bandDepth depth of the deepest subtree walked with this scratch (paths - 1) */
        Scratch(int tokens, int bandDepth) {
            this.tokens = new int[tokens];
            this.node = new int[tokens];
            order = new int[tokens];
            start = new int[(1 << bandDepth) + 1];
        }
    }

    /**
     * The tokens list[from, to) (global token indices, all at the same node of level `levelFrom`,
     * whose current nodes are node[token]) walk tree k from level levelFrom to levelTo (exclusive),
     * level by level: at each level they are counting-sorted by node, and every node with tokens
     * is applied to its group. y rows are indexed like x rows. With {@code pre} (routing only) y is
     * not touched: each token's pre-activation at each level goes to pre[token·K·(D+1) + level·K + k]
     * instead.
     */
    private static void walk(FastFeedForward f, int k, float[] x, float[] y, float[] pre, int[] list, int from,
                             int to, int levelFrom, int levelTo, int[] node, Scratch s) {
        int count = to - from;
        if (count == 1) {
            walkOne(f, k, x, list[from], y, pre, node, levelFrom, levelTo);
            return;
        }
        int n = f.nodesPerTree();
        int[] order = s.order;
        int[] start = s.start;
        if (levelFrom == 0) {
            for (int i = from; i < to; i++) {
                node[list[i]] = 0;
            }
        }
        int root = node[list[from]];
        for (int level = levelFrom; level < levelTo; level++) {
            int width = 1 << (level - levelFrom);
            // Leftmost node of root's subtree at this level.
            int first = (root + 1) * width - 1;
            // Counting sort of the tokens by node at this level (scalar routing).
            java.util.Arrays.fill(start, 0, width + 1, 0);
            for (int i = from; i < to; i++) {
                start[node[list[i]] - first + 1]++;
            }
            for (int b = 0; b < width; b++) {
                start[b + 1] += start[b];
            }
            for (int i = from; i < to; i++) {
                int t = list[i];
                order[start[node[t] - first]++] = t;
            }
            // start[b] is now the end of bucket b; bucket b begins at start[b-1] (0 for b = 0).
            int begin = 0;
            for (int b = 0; b < width; b++) {
                int end = start[b];
                if (end > begin) {
                    group(f, k * n + first + b, x, order, begin, end, y, pre, level * f.trees() + k, node,
                            s.logits);
                }
                begin = end;
            }
        }
    }

    /**
     * One node and the tokens order[begin, end) (tile-relative) that reached it: l = x·W_in[row] +
     * b_in[row], y += GELU(l)·W_out[row] (or, with pre, l stored for the output phase), node = 2·node
     * + 1 + (l > 0). Tokens in blocks of 4.
     */
    private static void group(FastFeedForward f, int row, float[] x, int[] order, int begin, int end, float[] y,
                              float[] pre, int preCol, int[] node, float[] l) {
        int d = f.inputDim();
        int dOut = f.outputDim();
        float[] wIn = f.wIn();
        float[] wOut = f.wOut();
        float bias = f.bIn()[row];
        int wInOff = row * d;
        int wOutOff = row * dOut;
        int stride = f.neuronsPerToken();
        int g = begin;
        for (; g + 4 <= end; g += 4) {
            int a = order[g];
            int b = order[g + 1];
            int c = order[g + 2];
            int e = order[g + 3];
            dot4(wIn, wInOff, x, a * d, b * d, c * d, e * d, d, l);
            float la = l[0] + bias;
            float lb = l[1] + bias;
            float lc = l[2] + bias;
            float le = l[3] + bias;
            if (pre != null) {
                pre[a * stride + preCol] = la;
                pre[b * stride + preCol] = lb;
                pre[c * stride + preCol] = lc;
                pre[e * stride + preCol] = le;
            } else {
                axpy4(wOut, wOutOff, dOut, y, a * dOut, MathFunctions.gelu(la), b * dOut, MathFunctions.gelu(lb),
                        c * dOut, MathFunctions.gelu(lc), e * dOut, MathFunctions.gelu(le));
            }
            node[a] = 2 * node[a] + 1 + (la > 0 ? 1 : 0);
            node[b] = 2 * node[b] + 1 + (lb > 0 ? 1 : 0);
            node[c] = 2 * node[c] + 1 + (lc > 0 ? 1 : 0);
            node[e] = 2 * node[e] + 1 + (le > 0 ? 1 : 0);
        }
        if (g + 2 <= end) {
            int a = order[g];
            int b = order[g + 1];
            dot2(wIn, wInOff, x, a * d, b * d, d, l);
            float la = l[0] + bias;
            float lb = l[1] + bias;
            if (pre != null) {
                pre[a * stride + preCol] = la;
                pre[b * stride + preCol] = lb;
            } else {
                axpy(wOut, wOutOff, dOut, y, a * dOut, MathFunctions.gelu(la));
                axpy(wOut, wOutOff, dOut, y, b * dOut, MathFunctions.gelu(lb));
            }
            node[a] = 2 * node[a] + 1 + (la > 0 ? 1 : 0);
            node[b] = 2 * node[b] + 1 + (lb > 0 ? 1 : 0);
            g += 2;
        }
        for (; g < end; g++) {
            int a = order[g];
            float la = dot(wIn, wInOff, x, a * d, d) + bias;
            if (pre != null) {
                pre[a * stride + preCol] = la;
            } else {
                axpy(wOut, wOutOff, dOut, y, a * dOut, MathFunctions.gelu(la));
            }
            node[a] = 2 * node[a] + 1 + (la > 0 ? 1 : 0);
        }
    }

    /** The per-token walk of one token t (global index) from its node at levelFrom to levelTo. */
    private static void walkOne(FastFeedForward f, int k, float[] x, int t, float[] y, float[] pre, int[] nodeOf,
                                int levelFrom, int levelTo) {
        int d = f.inputDim();
        int dOut = f.outputDim();
        int n = f.nodesPerTree();
        int node = levelFrom == 0 ? 0 : nodeOf[t];
        for (int level = levelFrom; level < levelTo; level++) {
            int row = k * n + node;
            float l = dot(f.wIn(), row * d, x, t * d, d) + f.bIn()[row];
            if (pre != null) {
                pre[t * f.neuronsPerToken() + level * f.trees() + k] = l;
            } else {
                axpy(f.wOut(), row * dOut, dOut, y, t * dOut, MathFunctions.gelu(l));
            }
            node = 2 * node + 1 + (l > 0 ? 1 : 0);
        }
        nodeOf[t] = node;
    }

    /*
     * Dot products. Every token sums its dot in the same way whatever the group size: two vector
     * accumulators (even and odd vectors of the row, so one token is two independent FMA chains
     * rather than one chain of d/16 dependent FMAs), a last single vector into the first, then
     * (acc0 + acc1) reduced over lanes, then the scalar tail. dot2 and dot4 share each weight load
     * between 2 or 4 tokens and give each token exactly what dot gives it.
     */

    /** w[wOff..+len)·x[xOff..+len). */
    static float dot(float[] w, int wOff, float[] x, int xOff, int len) {
        int vl = S.length();
        FloatVector a0 = FloatVector.zero(S);
        FloatVector a1 = a0;
        int i = 0;
        for (; i + 2 * vl <= len; i += 2 * vl) {
            a0 = FloatVector.fromArray(S, x, xOff + i).fma(FloatVector.fromArray(S, w, wOff + i), a0);
            a1 = FloatVector.fromArray(S, x, xOff + i + vl).fma(FloatVector.fromArray(S, w, wOff + i + vl), a1);
        }
        if (i + vl <= len) {
            a0 = FloatVector.fromArray(S, x, xOff + i).fma(FloatVector.fromArray(S, w, wOff + i), a0);
            i += vl;
        }
        float sum = Simd.sum(a0.add(a1));
        for (; i < len; i++) {
            sum += x[xOff + i] * w[wOff + i];
        }
        return sum;
    }

    /** Two dots against one weight row, each summed exactly as {@link #dot} sums it. */
    private static void dot2(float[] w, int wOff, float[] x, int x0, int x1, int len, float[] out) {
        int vl = S.length();
        FloatVector a0 = FloatVector.zero(S);
        FloatVector a1 = a0, b0 = a0, b1 = a0;
        int i = 0;
        for (; i + 2 * vl <= len; i += 2 * vl) {
            FloatVector w0 = FloatVector.fromArray(S, w, wOff + i);
            FloatVector w1 = FloatVector.fromArray(S, w, wOff + i + vl);
            a0 = FloatVector.fromArray(S, x, x0 + i).fma(w0, a0);
            b0 = FloatVector.fromArray(S, x, x1 + i).fma(w0, b0);
            a1 = FloatVector.fromArray(S, x, x0 + i + vl).fma(w1, a1);
            b1 = FloatVector.fromArray(S, x, x1 + i + vl).fma(w1, b1);
        }
        if (i + vl <= len) {
            FloatVector w0 = FloatVector.fromArray(S, w, wOff + i);
            a0 = FloatVector.fromArray(S, x, x0 + i).fma(w0, a0);
            b0 = FloatVector.fromArray(S, x, x1 + i).fma(w0, b0);
            i += vl;
        }
        float s0 = Simd.sum(a0.add(a1));
        float s1 = Simd.sum(b0.add(b1));
        for (; i < len; i++) {
            float wv = w[wOff + i];
            s0 += x[x0 + i] * wv;
            s1 += x[x1 + i] * wv;
        }
        out[0] = s0;
        out[1] = s1;
    }

    /** Four dots against one weight row, each summed exactly as {@link #dot} sums it. */
    private static void dot4(float[] w, int wOff, float[] x, int x0, int x1, int x2, int x3, int len, float[] out) {
        int vl = S.length();
        FloatVector a0 = FloatVector.zero(S);
        FloatVector a1 = a0, b0 = a0, b1 = a0, c0 = a0, c1 = a0, e0 = a0, e1 = a0;
        int i = 0;
        for (; i + 2 * vl <= len; i += 2 * vl) {
            FloatVector w0 = FloatVector.fromArray(S, w, wOff + i);
            FloatVector w1 = FloatVector.fromArray(S, w, wOff + i + vl);
            a0 = FloatVector.fromArray(S, x, x0 + i).fma(w0, a0);
            b0 = FloatVector.fromArray(S, x, x1 + i).fma(w0, b0);
            c0 = FloatVector.fromArray(S, x, x2 + i).fma(w0, c0);
            e0 = FloatVector.fromArray(S, x, x3 + i).fma(w0, e0);
            a1 = FloatVector.fromArray(S, x, x0 + i + vl).fma(w1, a1);
            b1 = FloatVector.fromArray(S, x, x1 + i + vl).fma(w1, b1);
            c1 = FloatVector.fromArray(S, x, x2 + i + vl).fma(w1, c1);
            e1 = FloatVector.fromArray(S, x, x3 + i + vl).fma(w1, e1);
        }
        if (i + vl <= len) {
            FloatVector w0 = FloatVector.fromArray(S, w, wOff + i);
            a0 = FloatVector.fromArray(S, x, x0 + i).fma(w0, a0);
            b0 = FloatVector.fromArray(S, x, x1 + i).fma(w0, b0);
            c0 = FloatVector.fromArray(S, x, x2 + i).fma(w0, c0);
            e0 = FloatVector.fromArray(S, x, x3 + i).fma(w0, e0);
            i += vl;
        }
        float s0 = Simd.sum(a0.add(a1));
        float s1 = Simd.sum(b0.add(b1));
        float s2 = Simd.sum(c0.add(c1));
        float s3 = Simd.sum(e0.add(e1));
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
