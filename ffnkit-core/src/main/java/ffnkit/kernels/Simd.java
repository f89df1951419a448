package ffnkit.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShape;
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

    /** For logs and benchmark reports, e.g. "Species[float, 16, S_512_BIT]". */
    public static String describe() {
        return FLOAT.toString();
    }
}
