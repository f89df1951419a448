package ffnkit.io;

/**
 * The element types of the safetensors format, with their sizes in bytes. All of them are known
 * so that any valid file can be opened and checked; only F32, F16 and BF16 convert to float.
 */
public enum SafetensorsDType {
    F64(8), F32(4), F16(2), BF16(2),
    I64(8), I32(4), I16(2), I8(1),
    U64(8), U32(4), U16(2), U8(1),
    BOOL(1), F8_E4M3(1), F8_E5M2(1);

    private final int size;

    SafetensorsDType(int size) {
        this.size = size;
    }

    /** Bytes per element. */
    public int size() {
        return size;
    }

    public boolean isFloatingPoint() {
        return this == F32 || this == F16 || this == BF16 || this == F64;
    }

    /** The type named by a header's "dtype" string, or null if the name is not a safetensors type. */
    static SafetensorsDType parse(String name) {
        for (SafetensorsDType t : values()) {
            if (t.name().equals(name)) {
                return t;
            }
        }
        return null;
    }
}
