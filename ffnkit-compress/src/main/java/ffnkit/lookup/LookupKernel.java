package ffnkit.lookup;

import ffnkit.kernels.Parallel;
import ffnkit.kernels.VectorMath;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The fast CPU forward pass of {@link LookupFeedForward}, in two phases.
 *
 * <p>Phase 1, hash (parallel over tiles of {@link #TILE} tokens): the tile is transposed to
 * [feature][token] so that every step is a dense vector operation over tokens: the block-diagonal
 * matmuls broadcast one weight and FMA a vector of tokens (register-blocked 4 outputs x 2 vectors),
 * the Walsh-Hadamard butterflies add/subtract whole rows (levels with stride < b right after each
 * block's matmul, while the block is in L1, then the wider levels two at a time:
 * {@link Hadamard#levelsColumns}) and the sign codes and scores are computed for TILE tokens at once
 * (vector exp, masked adds for the bits). Same float operations in the same order as
 * {@link Bh4#project}, so z and the codes are bit-identical to the reference. Batches of at most
 * {@link #SMALL_BATCH} tokens are hashed one row at a time instead (vectorised over the outputs of
 * a block), which avoids computing a whole tile for one token. At d 512 / h 128 this phase runs the
 * BH4 FMAs at roughly 60% of the FMA peak: it is compute bound.
 *
 * <p>Phase 2, gather-add (parallel over token blocks x column slices of {@link #CHUNK} floats):
 * the tables are repacked [slice][k·2^tau + row][CHUNK] so that one slice of a group of tables is
 * contiguous (group x 2^tau x CHUNK values: 128-256 KB, kept in L2). For each group, a token
 * block's CHUNK-wide output rows sit in a small contiguous buffer; per token, the 4 output vectors
 * stay in registers while the group's rows are added (routing is scalar: the code is a row index;
 * rows are added with dense vector FMAs, no vector gathers). Before a group is used by a large
 * block, one sequential pass touches its slice so the hardware prefetcher streams it from memory.
 * Tables whose values are all bf16 ({@link LookupFeedForward#withBf16Tables}) are stored as packed
 * bf16 pairs and widened exactly: half the bytes, the same numbers as the reference.
 * Measurements: docs/BENCHMARKS-lookup.md.
 */
final class LookupKernel {

    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int VL = S.length();
    /** Tokens per hash tile: two vectors, so 4 outputs x 2 vectors = 8 accumulators fit AVX2's 16 registers. */
    static final int TILE = 2 * VL;
    static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, S.vectorShape());
    /** Columns per packed table slice: 4 float vectors, kept in registers per token. */
    static final int CHUNK = 4 * VL;

    /** Tuning of the gather-add; chosen by measurement (docs/BENCHMARKS-lookup.md). */
    record Tiling(int tokenBlock, int tableGroup) {
    }

    static volatile Tiling defaultTiling = new Tiling(
            Integer.getInteger("ffnkit.lookup.tokenBlock", 4096),
            Integer.getInteger("ffnkit.lookup.tableGroup", 4));

    private final LookupShape s;
    private final float[] wt;
    /** The projection weights in their original [in][out] layout, for the row path. */
    private final float[] rowWeights;
    private final float[] projectionBias;
    /** Column slices of {@link #CHUNK} floats: the packed tables are [slice][k·2^tau + row][CHUNK]. */
    private final int slices;
    /** Packed f32 tables, or null when the tables are stored as bf16. */
    private final float[] tablesF32;
    /** Packed bf16 tables (see {@link #gatherBf16}), or null. */
    private final int[] tablesBf16;
    /** The output bias zero-padded to slices·CHUNK. */
    private final float[] packedBias;
    private final ThreadLocal<Scratch> scratch;

    private final class Scratch {
        final float[] xT;
        final float[] v;
        final float[] u;
        final float[] zT;
        final float[] lanes = new float[VL];
        float[] gather;

        Scratch() {
            int width = s.projection() == LookupShape.ProjectionKind.BH4 ? s.paddedDim() : s.inputDim();
            xT = new float[width * TILE];
            v = new float[s.paddedDim() * TILE];
            u = new float[s.paddedDim() * TILE];
            zT = new float[s.codeDim() * TILE];
        }
    }

    LookupKernel(LookupFeedForward layer) {
        this.s = layer.shape();
        this.projectionBias = layer.projectionBias();
        this.slices = (s.outputDim() + CHUNK - 1) / CHUNK;
        float[] t = layer.tables();
        if (Bf16.allExact(t)) {
            this.tablesBf16 = packBf16(s, slices, t);
            this.tablesF32 = null;
        } else {
            this.tablesF32 = packF32(s, slices, t);
            this.tablesBf16 = null;
        }
        this.packedBias = java.util.Arrays.copyOf(layer.bias(), slices * CHUNK);
        this.wt = transposeWeights(s, layer.projectionWeight());
        this.rowWeights = layer.projectionWeight();
        this.scratch = ThreadLocal.withInitial(Scratch::new);
    }

    /** Tables [h·2^tau][dOut] to [slice][h·2^tau][CHUNK], zero-padded: a slice of a table group is contiguous. */
    private static float[] packF32(LookupShape s, int slices, float[] t) {
        int rows = s.tables() * s.rowsPerTable();
        int dOut = s.outputDim();
        float[] p = new float[Math.multiplyExact(Math.multiplyExact(slices, rows), CHUNK)];
        for (int sl = 0; sl < slices; sl++) {
            int c0 = sl * CHUNK;
            int width = Math.min(CHUNK, dOut - c0);
            for (int r = 0; r < rows; r++) {
                System.arraycopy(t, r * dOut + c0, p, (sl * rows + r) * CHUNK, width);
            }
        }
        return p;
    }

    /** As {@link #packF32}, two bf16 per int: column v·2VL + l low, v·2VL + VL + l high (int v·VL + l). */
    private static int[] packBf16(LookupShape s, int slices, float[] t) {
        int rows = s.tables() * s.rowsPerTable();
        int dOut = s.outputDim();
        int half = CHUNK / 2;
        int[] p = new int[Math.multiplyExact(Math.multiplyExact(slices, rows), half)];
        for (int sl = 0; sl < slices; sl++) {
            for (int r = 0; r < rows; r++) {
                for (int i = 0; i < half; i++) {
                    int v = i / VL;
                    int l = i % VL;
                    int lo = sl * CHUNK + v * 2 * VL + l;
                    int hi = lo + VL;
                    int loBits = lo < dOut ? Float.floatToRawIntBits(t[r * dOut + lo]) >>> 16 : 0;
                    int hiBits = hi < dOut ? Float.floatToRawIntBits(t[r * dOut + hi]) & HIGH_HALF : 0;
                    p[(sl * rows + r) * half + i] = hiBits | loBits;
                }
            }
        }
        return p;
    }

    /** Each b x b block (BH4) or the whole d x h·tau matrix (dense) stored [out][in]: broadcasts read sequentially. */
    private static float[] transposeWeights(LookupShape s, float[] w) {
        float[] t = new float[w.length];
        if (s.projection() == LookupShape.ProjectionKind.DENSE) {
            int d = s.inputDim();
            int n = s.codeDim();
            for (int i = 0; i < d; i++) {
                for (int o = 0; o < n; o++) {
                    t[o * d + i] = w[i * n + o];
                }
            }
            return t;
        }
        int b = s.block();
        for (int base = 0; base < w.length; base += b * b) {
            for (int i = 0; i < b; i++) {
                for (int o = 0; o < b; o++) {
                    t[base + o * b + i] = w[base + i * b + o];
                }
            }
        }
        return t;
    }

    void forward(float[] x, int rows, float[] out) {
        forward(x, rows, out, defaultTiling);
    }

    void forward(float[] x, int rows, float[] out, Tiling tiling) {
        if (rows == 0) {
            return;
        }
        float[] scores = new float[rows * s.tables()];
        int[] offsets = new int[rows * s.tables()];
        hash(x, rows, scores, offsets);
        gatherAdd(scores, offsets, rows, out, tiling);
    }

    /** Phase 1: scores [rows x h] and table rows k·2^tau + code_k [rows x h] of every token. */
    void hash(float[] x, int rows, float[] scores, int[] offsets) {
        if (rows <= SMALL_BATCH) {
            // a transposed tile would compute TILE tokens' worth of BH4 for a handful
            for (int t = 0; t < rows; t++) {
                hashRow(x, t, scores, offsets);
            }
            return;
        }
        int tiles = (rows + TILE - 1) / TILE;
        Parallel.shared().forEach(tiles, tile -> hashTile(x, rows, tile * TILE, scores, offsets));
    }

    /** Batches up to this size are hashed one token at a time in row layout. */
    static final int SMALL_BATCH = Math.max(1, TILE / 8);

    /**
     * One token in row layout: the block matmul vectorises over the b outputs of a block
     * (acc_o = fma(W[i][o], x_i, acc_o), ascending i: the reference's order, so z is again
     * bit-identical); the Hadamard transform and the scores are scalar ({@link LookupMath}).
     */
    private void hashRow(float[] x, int t, float[] scores, int[] offsets) {
        Scratch sc = scratch.get();
        int d = s.inputDim();
        int n = s.codeDim();
        float[] z = sc.zT; // only the first h·tau floats are used here
        float[] w = rowWeights;
        if (s.projection() == LookupShape.ProjectionKind.DENSE) {
            rowMatmul(w, 0, x, t * d, d, n, z, 0);
            for (int o = 0; o < n; o++) {
                z[o] += projectionBias[o];
            }
        } else {
            int p = s.paddedDim();
            int b = s.block();
            float[] xpad = sc.xT;
            java.util.Arrays.fill(xpad, 0, p, 0f);
            System.arraycopy(x, t * d, xpad, 0, d);
            float[] v = sc.v;
            float[] u = sc.u;
            for (int r = 0; r < s.repeats(); r++) {
                System.arraycopy(xpad, 0, v, 0, p);
                for (int st = 0; st < Bh4.STAGES; st++) {
                    int wBase = (r * Bh4.STAGES + st) * p * b;
                    for (int blk = 0; blk < p; blk += b) {
                        rowMatmul(w, wBase + blk * b, v, blk, b, b, u, blk);
                    }
                    Hadamard.transform(u, 0, p);
                    float[] tmp = v;
                    v = u;
                    u = tmp;
                }
                int len = Math.min(p, n - r * p);
                for (int j = 0; j < len; j++) {
                    z[r * p + j] = (Bh4.MIX_TRANSFORMED * v[j] + Bh4.MIX_INPUT * xpad[j]) + projectionBias[r * p + j];
                }
            }
        }
        int h = s.tables();
        int tau = s.bits();
        for (int k = 0; k < h; k++) {
            scores[t * h + k] = LookupMath.score(z, k * tau, tau);
            offsets[t * h + k] = (k << tau) + LookupMath.code(z, k * tau, tau);
        }
    }

    /** dst[dOff + o] = sum_i src[sOff + i]·w[wOff + i·out + o], vectorised over o, ascending i with FMA. */
    private static void rowMatmul(float[] w, int wOff, float[] src, int sOff, int in, int out, float[] dst, int dOff) {
        int bound = S.loopBound(out);
        int o = 0;
        for (; o < bound; o += VL) {
            FloatVector acc = FloatVector.zero(S);
            for (int i = 0; i < in; i++) {
                acc = FloatVector.fromArray(S, w, wOff + i * out + o).fma(FloatVector.broadcast(S, src[sOff + i]), acc);
            }
            acc.intoArray(dst, dOff + o);
        }
        for (; o < out; o++) {
            float acc = 0f;
            for (int i = 0; i < in; i++) {
                acc = Math.fma(src[sOff + i], w[wOff + i * out + o], acc);
            }
            dst[dOff + o] = acc;
        }
    }

    /** Phase 2: out = bias + sum_k score·row, rows given as (k·2^tau + code) in {@code rowIndex}. */
    void gatherAdd(float[] scores, int[] rowIndex, int rows, float[] out, Tiling tiling) {
        int tokenBlock = Math.min(tiling.tokenBlock(), rows);
        int threads = Parallel.shared().threads();
        // enough tasks for every thread when there are few tokens
        if ((long) slices * ((rows + tokenBlock - 1) / tokenBlock) < threads && rows > 1) {
            tokenBlock = Math.max(1, (rows + threads - 1) / threads);
        }
        int tb = tokenBlock;
        int blocks = (rows + tb - 1) / tb;
        int group = Math.max(1, tiling.tableGroup());
        // slice-major: consecutive tasks (one per thread) read the same column slice of all tables
        Parallel.shared().forEach(blocks * slices, task -> {
            int block = task % blocks;
            int slice = task / blocks;
            int t0 = block * tb;
            int t1 = Math.min(rows, t0 + tb);
            float[] buf = gatherScratch(t1 - t0);
            for (int t = t0; t < t1; t++) {
                System.arraycopy(packedBias, slice * CHUNK, buf, (t - t0) * CHUNK, CHUNK);
            }
            for (int g0 = 0; g0 < s.tables(); g0 += group) {
                int g1 = Math.min(s.tables(), g0 + group);
                // only when the block reads most rows of the group anyway (each table row about 2x+)
                if (PRETOUCH && t1 - t0 >= 2 * s.rowsPerTable()) {
                    pretouch(slice, g0, g1);
                }
                if (tablesBf16 != null) {
                    gatherBf16(scores, rowIndex, t0, t1, slice, g0, g1, buf);
                } else {
                    gatherF32(scores, rowIndex, t0, t1, slice, g0, g1, buf);
                }
            }
            int dOut = s.outputDim();
            int c0 = slice * CHUNK;
            int width = Math.min(CHUNK, dOut - c0);
            for (int t = t0; t < t1; t++) {
                System.arraycopy(buf, (t - t0) * CHUNK, out, t * dOut + c0, width);
            }
        });
    }

    static final boolean PRETOUCH = Boolean.parseBoolean(System.getProperty("ffnkit.lookup.pretouch", "true"));
    /** Sink for {@link #pretouch}, so the JIT keeps the loads. */
    static volatile int sink;

    /**
     * Reads one value per cache line of the group's slice, in address order, before the tokens read
     * its rows at random: the hardware prefetcher streams sequential reads from memory much faster
     * than the random first touches would miss.
     */
    private void pretouch(int slice, int g0, int g1) {
        int rows = s.rowsPerTable();
        int acc = 0;
        if (tablesBf16 != null) {
            int half = CHUNK / 2;
            int base = (slice * s.tables() + g0) * rows * half;
            int end = (slice * s.tables() + g1) * rows * half;
            for (int i = base; i < end; i += 16) {
                acc += tablesBf16[i];
            }
        } else {
            int base = (slice * s.tables() + g0) * rows * CHUNK;
            int end = (slice * s.tables() + g1) * rows * CHUNK;
            for (int i = base; i < end; i += 16) {
                acc += Float.floatToRawIntBits(tablesF32[i]);
            }
        }
        if (acc == 42) {
            sink = acc;
        }
    }

    private float[] gatherScratch(int tokens) {
        Scratch sc = scratch.get();
        if (sc.gather == null || sc.gather.length < tokens * CHUNK) {
            sc.gather = new float[tokens * CHUNK];
        }
        return sc.gather;
    }

    /**
     * buf[t][0..CHUNK) += sum_{k in [g0, g1)} score[t][k]·T_k[code[t][k]][slice columns], f32 tables.
     * The 4 output vectors of a token stay in registers over the group (one load and one FMA per
     * table vector); the group's slice (g1-g0 tables x 2^tau rows x CHUNK floats, contiguous in the
     * packed layout) is what the token block reuses from L2.
     */
    private void gatherF32(float[] scores, int[] rowIndex, int t0, int t1, int slice, int g0, int g1, float[] buf) {
        int h = s.tables();
        float[] tb = tablesF32;
        int sliceBase = slice * s.tables() * s.rowsPerTable() * CHUNK;
        for (int t = t0; t < t1; t++) {
            int o = (t - t0) * CHUNK;
            int sk = t * h;
            FloatVector a0 = FloatVector.fromArray(S, buf, o);
            FloatVector a1 = FloatVector.fromArray(S, buf, o + VL);
            FloatVector a2 = FloatVector.fromArray(S, buf, o + 2 * VL);
            FloatVector a3 = FloatVector.fromArray(S, buf, o + 3 * VL);
            for (int k = g0; k < g1; k++) {
                FloatVector sv = FloatVector.broadcast(S, scores[sk + k]);
                int row = sliceBase + rowIndex[sk + k] * CHUNK;
                a0 = FloatVector.fromArray(S, tb, row).fma(sv, a0);
                a1 = FloatVector.fromArray(S, tb, row + VL).fma(sv, a1);
                a2 = FloatVector.fromArray(S, tb, row + 2 * VL).fma(sv, a2);
                a3 = FloatVector.fromArray(S, tb, row + 3 * VL).fma(sv, a3);
            }
            a0.intoArray(buf, o);
            a1.intoArray(buf, o + VL);
            a2.intoArray(buf, o + 2 * VL);
            a3.intoArray(buf, o + 3 * VL);
        }
    }

    /**
     * {@link #gatherF32} for bf16-exact tables stored as packed bf16 pairs: int lane l of vector v
     * of a row chunk holds column v·2VL + l in its low half and column v·2VL + VL + l in its high
     * half, so widening to float is a shift (low) or a mask (high) of whole int vectors: exact, no
     * gathers, no shuffles.
     */
    private void gatherBf16(float[] scores, int[] rowIndex, int t0, int t1, int slice, int g0, int g1, float[] buf) {
        int h = s.tables();
        int[] tb = tablesBf16;
        int half = CHUNK / 2;
        int sliceBase = slice * s.tables() * s.rowsPerTable() * half;
        for (int t = t0; t < t1; t++) {
            int o = (t - t0) * CHUNK;
            int sk = t * h;
            FloatVector a0 = FloatVector.fromArray(S, buf, o);
            FloatVector a1 = FloatVector.fromArray(S, buf, o + VL);
            FloatVector a2 = FloatVector.fromArray(S, buf, o + 2 * VL);
            FloatVector a3 = FloatVector.fromArray(S, buf, o + 3 * VL);
            for (int k = g0; k < g1; k++) {
                FloatVector sv = FloatVector.broadcast(S, scores[sk + k]);
                int row = sliceBase + rowIndex[sk + k] * half;
                IntVector p0 = IntVector.fromArray(I, tb, row);
                IntVector p1 = IntVector.fromArray(I, tb, row + VL);
                a0 = p0.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(sv, a0);
                a1 = p0.and(HIGH_HALF).reinterpretAsFloats().fma(sv, a1);
                a2 = p1.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(sv, a2);
                a3 = p1.and(HIGH_HALF).reinterpretAsFloats().fma(sv, a3);
            }
            a0.intoArray(buf, o);
            a1.intoArray(buf, o + VL);
            a2.intoArray(buf, o + 2 * VL);
            a3.intoArray(buf, o + 3 * VL);
        }
    }

    private static final int HIGH_HALF = 0xFFFF0000;

    private void hashTile(float[] x, int rows, int t0, float[] scores, int[] offsets) {
        Scratch sc = scratch.get();
        int n = Math.min(TILE, rows - t0);
        int d = s.inputDim();
        float[] xT = sc.xT;
        java.util.Arrays.fill(xT, 0f);
        for (int t = 0; t < n; t++) {
            int xo = (t0 + t) * d;
            for (int i = 0; i < d; i++) {
                xT[i * TILE + t] = x[xo + i];
            }
        }
        float[] zT = sc.zT;
        int codeDim = s.codeDim();
        if (s.projection() == LookupShape.ProjectionKind.DENSE) {
            matTile(wt, 0, d, codeDim, xT, 0, zT, 0);
            for (int o = 0; o < codeDim; o++) {
                FloatVector b = FloatVector.broadcast(S, projectionBias[o]);
                for (int t = 0; t < TILE; t += VL) {
                    FloatVector.fromArray(S, zT, o * TILE + t).add(b).intoArray(zT, o * TILE + t);
                }
            }
        } else {
            int p = s.paddedDim();
            int b = s.block();
            float[] v = sc.v;
            float[] u = sc.u;
            for (int r = 0; r < s.repeats(); r++) {
                System.arraycopy(xT, 0, v, 0, p * TILE);
                for (int st = 0; st < Bh4.STAGES; st++) {
                    int wBase = (r * Bh4.STAGES + st) * p * b;
                    // the Hadamard levels with stride < b stay inside a block: run them while it is in L1
                    for (int blk = 0; blk < p; blk += b) {
                        matTile(wt, wBase + blk * b, b, b, v, blk * TILE, u, blk * TILE);
                        Hadamard.levelsColumns(u, blk * TILE, b, TILE, 1, b);
                    }
                    Hadamard.levelsColumns(u, 0, p, TILE, b, p);
                    float scale = Hadamard.scale(p);
                    for (int j = 0; j < p * TILE; j += VL) {
                        FloatVector.fromArray(S, u, j).mul(scale).intoArray(u, j);
                    }
                    float[] tmp = v;
                    v = u;
                    u = tmp;
                }
                int len = Math.min(p, codeDim - r * p);
                for (int j = 0; j < len; j++) {
                    FloatVector bj = FloatVector.broadcast(S, projectionBias[r * p + j]);
                    for (int t = 0; t < TILE; t += VL) {
                        FloatVector vv = FloatVector.fromArray(S, v, j * TILE + t);
                        FloatVector xv = FloatVector.fromArray(S, xT, j * TILE + t);
                        vv.mul(Bh4.MIX_TRANSFORMED).add(xv.mul(Bh4.MIX_INPUT)).add(bj)
                                .intoArray(zT, (r * p + j) * TILE + t);
                    }
                }
            }
        }
        scoreAndCode(zT, t0, n, scores, offsets, sc.lanes);
    }

    /** score_k and code_k (as a row offset into the tables) for the tile's tokens, see {@link LookupMath}. */
    private void scoreAndCode(float[] zT, int t0, int n, float[] scores, int[] offsets, float[] lanes) {
        int h = s.tables();
        int tau = s.bits();
        // exp(-2|z|) through VectorMath.exp, not lanewise(EXP): the JDK's vector EXP (SVML when
        // compiled, Math.exp in the interpreter) differs in the last bits between the two, which
        // made a LookupFFN model's embeddings change from one process to the next.
        float[] e = new float[tau * VL];
        for (int k = 0; k < h; k++) {
            for (int half = 0; half < TILE; half += VL) {
                if (half >= n) {
                    break;
                }
                FloatVector sum = FloatVector.zero(S);
                FloatVector code = FloatVector.zero(S);
                for (int j = 0; j < tau; j++) {
                    FloatVector z = FloatVector.fromArray(S, zT, (k * tau + j) * TILE + half);
                    FloatVector a = z.abs();
                    sum = sum.add(a);
                    a.mul(-2f).intoArray(e, j * VL);
                    VectorMask<Float> positive = z.compare(VectorOperators.GT, 0f);
                    code = code.add(FloatVector.broadcast(S, (float) (1 << j)), positive);
                }
                VectorMath.exp(e, 0, e.length);
                FloatVector prod = FloatVector.broadcast(S, 1f);
                for (int j = 0; j < tau; j++) {
                    prod = prod.mul(FloatVector.fromArray(S, e, j * VL).add(1f));
                }
                sum.div(prod).intoArray(lanes, 0);
                int m = Math.min(VL, n - half);
                for (int t = 0; t < m; t++) {
                    scores[(t0 + half + t) * h + k] = lanes[t];
                }
                code.intoArray(lanes, 0);
                for (int t = 0; t < m; t++) {
                    offsets[(t0 + half + t) * h + k] = (k << tau) + (int) lanes[t];
                }
            }
        }
    }

    /**
     * dst[o][t] = sum_i src[i][t]·w[o][i] for TILE tokens, rows of src/dst TILE floats apart,
     * wt row-major [outCount][in] from wOff. Ascending i, FMA from zero: the reference's order.
     */
    static void matTile(float[] wt, int wOff, int in, int outCount, float[] src, int srcOff, float[] dst,
                        int dstOff) {
        int o = 0;
        for (; o + 4 <= outCount; o += 4) {
            FloatVector a00 = FloatVector.zero(S);
            FloatVector a01 = a00;
            FloatVector a10 = a00;
            FloatVector a11 = a00;
            FloatVector a20 = a00;
            FloatVector a21 = a00;
            FloatVector a30 = a00;
            FloatVector a31 = a00;
            int w0 = wOff + o * in;
            int w1 = w0 + in;
            int w2 = w1 + in;
            int w3 = w2 + in;
            for (int i = 0; i < in; i++) {
                int si = srcOff + i * TILE;
                FloatVector v0 = FloatVector.fromArray(S, src, si);
                FloatVector v1 = FloatVector.fromArray(S, src, si + VL);
                FloatVector b0 = FloatVector.broadcast(S, wt[w0 + i]);
                FloatVector b1 = FloatVector.broadcast(S, wt[w1 + i]);
                FloatVector b2 = FloatVector.broadcast(S, wt[w2 + i]);
                FloatVector b3 = FloatVector.broadcast(S, wt[w3 + i]);
                a00 = v0.fma(b0, a00);
                a01 = v1.fma(b0, a01);
                a10 = v0.fma(b1, a10);
                a11 = v1.fma(b1, a11);
                a20 = v0.fma(b2, a20);
                a21 = v1.fma(b2, a21);
                a30 = v0.fma(b3, a30);
                a31 = v1.fma(b3, a31);
            }
            int d0 = dstOff + o * TILE;
            a00.intoArray(dst, d0);
            a01.intoArray(dst, d0 + VL);
            a10.intoArray(dst, d0 + TILE);
            a11.intoArray(dst, d0 + TILE + VL);
            a20.intoArray(dst, d0 + 2 * TILE);
            a21.intoArray(dst, d0 + 2 * TILE + VL);
            a30.intoArray(dst, d0 + 3 * TILE);
            a31.intoArray(dst, d0 + 3 * TILE + VL);
        }
        for (; o < outCount; o++) {
            FloatVector a0 = FloatVector.zero(S);
            FloatVector a1 = a0;
            int w0 = wOff + o * in;
            for (int i = 0; i < in; i++) {
                int si = srcOff + i * TILE;
                FloatVector b0 = FloatVector.broadcast(S, wt[w0 + i]);
                a0 = FloatVector.fromArray(S, src, si).fma(b0, a0);
                a1 = FloatVector.fromArray(S, src, si + VL).fma(b0, a1);
            }
            a0.intoArray(dst, dstOff + o * TILE);
            a1.intoArray(dst, dstOff + o * TILE + VL);
        }
    }
}
