package ffnkit.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * The one place that picks the vector width for every kernel. By default the widest the CPU
 * supports (512 bits on AVX-512, 256 on AVX2); {@code -Dffnkit.simd.bits=256} forces a narrower
 * one, e.g. to reproduce AVX2 behaviour on an AVX-512 machine (so does {@code -XX:UseAVX=2}).
 * Packed weight layouts depend on it, so it is fixed for the life of the JVM.
 */
public final class Simd {

    public static final VectorSpecies<Float> FLOAT = choose();

    private Simd() {
    }

    private static VectorSpecies<Float> choose() {
        String bits = System.getProperty("ffnkit.simd.bits");
        if (bits == null || bits.isBlank()) {
            return FloatVector.SPECIES_PREFERRED;
        }
        VectorSpecies<Float> s = VectorSpecies.of(float.class, VectorShape.forBitSize(Integer.parseInt(bits.trim())));
        // Never wider than the hardware: a wider species would run in slow Java fallback code.
        return s.vectorBitSize() > FloatVector.SPECIES_PREFERRED.vectorBitSize() ? FloatVector.SPECIES_PREFERRED : s;
    }

    private static final int LANES = FLOAT.length();
    /**
     * Butterfly partners for {@link #sum}: lane i pairs with lane i ^ step, step = L/2, L/4, .., 1
     * (null past 1). Separate static final fields, not an array: C2 treats them as constants, while an
     * array element is reloaded and converted at every use (the FFF routing dots spent 11% of their
     * time in the lane sum that way).
     */
    private static final VectorShuffle<Float> STEP_HALF = partner(LANES / 2);
    private static final VectorShuffle<Float> STEP_QUARTER = partner(LANES / 4);
    private static final VectorShuffle<Float> STEP_EIGHTH = partner(LANES / 8);
    private static final VectorShuffle<Float> STEP_SIXTEENTH = partner(LANES / 16);

    private static VectorShuffle<Float> partner(int step) {
        return step == 0 ? null : VectorShuffle.fromOp(FLOAT, i -> i ^ step);
    }

    /**
     * The sum of v's lanes in one fixed order. Why not {@code reduceLanes(ADD)}: the Vector API lets
     * a float reduction add in any order, and the JIT-compiled intrinsic and the interpreter's
     * fallback do differ, so results changed in the last bits with JIT timing: the same text gave a
     * different embedding from one process to the next. Lane-wise adds of fixed partners are exact
     * IEEE operations in both, so this is reproducible; it costs log2(lanes) shuffles and adds.
     */
    public static float sum(FloatVector v) {
        if (v.species() != FLOAT) {
            float s = 0;
            for (int i = 0; i < v.length(); i++) {
                s += v.lane(i);
            }
            return s;
        }
        v = v.add(v.rearrange(STEP_HALF));
        if (LANES >= 4) {
            v = v.add(v.rearrange(STEP_QUARTER));
        }
        if (LANES >= 8) {
            v = v.add(v.rearrange(STEP_EIGHTH));
        }
        if (LANES >= 16) {
            v = v.add(v.rearrange(STEP_SIXTEENTH));
        }
        return v.lane(0);
    }

    /** For logs and benchmark reports, e.g. "Species[float, 16, S_512_BIT]". */
    public static String describe() {
        return FLOAT.toString();
    }
}
