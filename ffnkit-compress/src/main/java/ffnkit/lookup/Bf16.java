package ffnkit.lookup;

/**
 * bfloat16 values held in floats: a float is bf16-exact when its low 16 bits are zero. LookupFFN
 * tables rounded with {@link #round} stay ordinary float tables for the reference, training and
 * the codec (the values are the definition); the kernel stores bf16-exact tables in half the bytes
 * and widens them exactly, so both compute with the same numbers.
 */
public final class Bf16 {

    private Bf16() {
    }

    /** The nearest bf16 value (ties to even); NaN stays NaN, infinities stay infinite. */
    public static float round(float f) {
        int bits = Float.floatToRawIntBits(f);
        if (Float.isNaN(f)) {
            return Float.intBitsToFloat((bits | 0x00400000) & 0xFFFF0000); // quiet NaN, kept NaN after truncation
        }
        bits += 0x7FFF + ((bits >>> 16) & 1);
        return Float.intBitsToFloat(bits & 0xFFFF0000);
    }

    /** A copy of {@code a} with every value rounded to bf16. */
    public static float[] roundAll(float[] a) {
        float[] r = new float[a.length];
        for (int i = 0; i < a.length; i++) {
            r[i] = round(a[i]);
        }
        return r;
    }

    /** True when every value of {@code a} is a bf16 value (low 16 bits zero). */
    public static boolean allExact(float[] a) {
        for (float f : a) {
            if ((Float.floatToRawIntBits(f) & 0xFFFF) != 0) {
                return false;
            }
        }
        return true;
    }
}
