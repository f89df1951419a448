package ffnkit.lookup;

/**
 * The shape of one LookupFFN layer (METHODS.md section 3), and the derived sizes every other class
 * of this package reads from here instead of recomputing.
 *
 * @param inputDim   d, the width of the (already LayerNormed) hidden state entering the FFN slot
 * @param outputDim  d_out, the width of the table rows and of the slot output
 * @param tables     h, the number of hash tables
 * @param bits       tau, sign bits per table: each table has 2^tau rows
 * @param projection how z = P(x) is computed
 * @param blockSize  b, the BH4 block size (ignored for the dense projection); capped at the padded width
 */
public record LookupShape(int inputDim, int outputDim, int tables, int bits, ProjectionKind projection, int blockSize) {

    public enum ProjectionKind {
        BH4, DENSE;

        /** The command-line spelling: "bh4" or "dense". */
        public static ProjectionKind parse(String s) {
            return switch (s) {
                case "bh4" -> BH4;
                case "dense" -> DENSE;
                default -> throw new IllegalArgumentException("--projection must be bh4 or dense, got " + s);
            };
        }
    }

    public LookupShape {
        if (inputDim < 1 || outputDim < 1 || tables < 1) {
            throw new IllegalArgumentException("dimensions must be positive: d=" + inputDim + " d_out=" + outputDim
                    + " h=" + tables);
        }
        if (bits < 1 || bits > 16) {
            throw new IllegalArgumentException("tau must be in 1..16, got " + bits);
        }
        if (projection == ProjectionKind.BH4 && (blockSize < 1 || Integer.bitCount(blockSize) != 1)) {
            throw new IllegalArgumentException("BH4 block size must be a power of two, got " + blockSize);
        }
    }

    public static LookupShape bh4(int inputDim, int outputDim, int tables, int bits) {
        return new LookupShape(inputDim, outputDim, tables, bits, ProjectionKind.BH4, 64);
    }

    /** h·tau: the width of z. */
    public int codeDim() {
        return tables * bits;
    }

    /** 2^tau: rows per table. */
    public int rowsPerTable() {
        return 1 << bits;
    }

    /** p: d rounded up to a power of two, the width the Walsh-Hadamard transforms run over. */
    public int paddedDim() {
        return Integer.highestOneBit(inputDim) == inputDim ? inputDim : Integer.highestOneBit(inputDim) << 1;
    }

    /** The block size actually used: b, or p when p is smaller than b. */
    public int block() {
        return Math.min(blockSize, paddedDim());
    }

    /** R = ceil(h·tau / p): independent BH4 repeats whose outputs are concatenated. */
    public int repeats() {
        return (codeDim() + paddedDim() - 1) / paddedDim();
    }

    /** Number of projection weights (BH4: R·4 stages of p/b blocks of b x b; dense: d x h·tau). */
    public int projectionWeightCount() {
        return projection == ProjectionKind.BH4
                ? repeats() * Bh4.STAGES * paddedDim() * block()
                : inputDim * codeDim();
    }

    public long tableCount() {
        return (long) tables * rowsPerTable() * outputDim;
    }

    /**
     * FLOPs per token: projection multiply-adds (and Hadamard additions, which count as one FLOP
     * each), the score (about 4 FLOPs per z value: abs, add, exp, multiply; exp counted as one),
     * and the weighted sum of h table rows (2 FLOPs per value). Same convention as dense:
     * a multiply-add is 2 FLOPs.
     */
    public long flopsPerToken() {
        long projection;
        if (this.projection == ProjectionKind.BH4) {
            int p = paddedDim();
            long perStage = 2L * p * block() + (long) p * Integer.numberOfTrailingZeros(p);
            // per repeat: 4 stages, then 0.7·v + 0.3·x + bias (3 per value)
            projection = repeats() * (Bh4.STAGES * perStage) + 3L * codeDim();
        } else {
            projection = 2L * inputDim * codeDim() + codeDim();
        }
        long score = 4L * codeDim() + tables;
        long gather = 2L * tables * outputDim + outputDim;
        return projection + score + gather;
    }
}
