package ffnkit.io;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.CRC32C;

/**
 * A memory-mapped safetensors file: an 8-byte little-endian header length, a JSON header naming
 * each tensor's dtype, shape and byte range, then the data section.
 *
 * <p>Everything the header claims is checked at {@link #open}, before any tensor is read: the
 * header lies inside the file, every range lies inside the data section, matches its shape and
 * dtype, and no two ranges overlap. So a truncated or foreign file fails at once with a message
 * naming the problem instead of returning garbage later.
 *
 * <p>Tensors are copied out as Java arrays; {@link #segment(String)} gives a zero-copy view that is
 * valid until {@link #close()}.
 */
public final class SafetensorsFile implements AutoCloseable {

    /** The reference implementation refuses larger headers; so do we, which also stops us allocating garbage sizes. */
    static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;

    static final String METADATA_KEY = "__metadata__";

    /** One tensor's header entry. {@code begin} and {@code end} are byte offsets into the data section. */
    public record TensorInfo(String name, SafetensorsDType dtype, long[] shape, long begin, long end) {

        public long elementCount() {
            long n = 1;
            for (long s : shape) {
                n *= s;
            }
            return n;
        }

        public long byteLength() {
            return end - begin;
        }

        public String shapeString() {
            return Arrays.toString(shape);
        }
    }

    private static final ValueLayout.OfFloat F32_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt I32_LE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong I64_LE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble F64_LE = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final Path path;
    private final Arena arena;
    private final MemorySegment data;
    private final Map<String, TensorInfo> tensors;
    private final Map<String, String> metadata;
    /** Names whose data was read, so a loader can tell which tensors nothing described. */
    private final Set<String> read = ConcurrentHashMap.newKeySet();

    private SafetensorsFile(Path path, Arena arena, MemorySegment data, Map<String, TensorInfo> tensors,
                            Map<String, String> metadata) {
        this.path = path;
        this.arena = arena;
        this.data = data;
        this.tensors = tensors;
        this.metadata = metadata;
    }

    /**
     * Maps and validates a file.
     *
     * @throws ModelFormatException if the file is not a complete, consistent safetensors file
     * @throws IOException          if it cannot be read at all (missing, permissions)
     */
    public static SafetensorsFile open(Path path) throws IOException {
        if (Files.isDirectory(path)) {
            // FileChannel.open would fail with the bare "No such device"
            throw new ModelFormatException(path + " is a folder: give the .safetensors file itself");
        }
        Arena arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            String file = path.getFileName().toString();
            if (size < 8) {
                throw new ModelFormatException(file + " is not a safetensors file: it has only " + size
                        + " bytes (truncated or empty?); re-create or re-download it");
            }
            MemorySegment all = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            long headerLength = all.get(I64_LE, 0);
            if (headerLength < 2 || headerLength > MAX_HEADER_BYTES) {
                throw new ModelFormatException(file + " is not a safetensors file, or is damaged: its first 8 bytes give a header length of "
                        + headerLength + " (expected 2.." + MAX_HEADER_BYTES + "); re-create or re-download it");
            }
            if (8 + headerLength > size) {
                throw new ModelFormatException(file + " is truncated: its header needs " + headerLength
                        + " bytes but only " + (size - 8) + " follow; re-create or re-download it");
            }
            byte[] header = all.asSlice(8, headerLength).toArray(ValueLayout.JAVA_BYTE);
            if (header[0] != '{') {
                throw new ModelFormatException(file + " is not a safetensors file: the header is not a JSON object");
            }
            MemorySegment data = all.asSlice(8 + headerLength);
            Map<String, String> metadata = new LinkedHashMap<>();
            Map<String, TensorInfo> tensors = parseHeader(file, header, data.byteSize(), metadata);
            return new SafetensorsFile(path, arena, data, tensors, Collections.unmodifiableMap(metadata));
        } catch (RuntimeException | IOException e) {
            arena.close();
            throw e;
        }
    }

    static ObjectMapper headerMapper() {
        // Saved models carry tokenizer.json as one metadata string; Jackson's default 20 MB string cap
        // would reject the larger multilingual tokenizers.
        JsonFactory factory = JsonFactory.builder()
                .streamReadConstraints(StreamReadConstraints.builder().maxStringLength((int) MAX_HEADER_BYTES).build())
                .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .build();
        return new ObjectMapper(factory);
    }

    private static Map<String, TensorInfo> parseHeader(String file, byte[] header, long dataLength,
                                                       Map<String, String> metadataOut) {
        JsonNode root;
        try {
            root = headerMapper().readTree(header);
        } catch (IOException e) {
            throw new ModelFormatException(file + " is not a valid safetensors file: its JSON header does not parse ("
                    + firstLine(e.getMessage()) + ")", e);
        }
        if (root == null || !root.isObject()) {
            throw new ModelFormatException(file + " is not a safetensors file: the header is not a JSON object");
        }
        Map<String, TensorInfo> tensors = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : root.properties()) {
            String name = e.getKey();
            JsonNode v = e.getValue();
            if (name.equals(METADATA_KEY)) {
                if (!v.isObject()) {
                    throw new ModelFormatException(file + ": __metadata__ must be a JSON object of strings");
                }
                for (Map.Entry<String, JsonNode> m : v.properties()) {
                    if (!m.getValue().isTextual()) {
                        throw new ModelFormatException(file + ": metadata value '" + m.getKey() + "' is not a string");
                    }
                    metadataOut.put(m.getKey(), m.getValue().textValue());
                }
                continue;
            }
            tensors.put(name, parseTensor(file, name, v));
        }
        checkRanges(file, tensors, dataLength);
        return Collections.unmodifiableMap(tensors);
    }

    private static TensorInfo parseTensor(String file, String name, JsonNode v) {
        String where = file + ": tensor '" + name + "'";
        if (!v.isObject() || !v.path("dtype").isTextual() || !v.path("shape").isArray()
                || !v.path("data_offsets").isArray() || v.path("data_offsets").size() != 2) {
            throw new ModelFormatException(where + " has a malformed header entry (needs dtype, shape, data_offsets)");
        }
        SafetensorsDType dtype = SafetensorsDType.parse(v.get("dtype").textValue());
        if (dtype == null) {
            throw new ModelFormatException(where + " has unknown dtype '" + v.get("dtype").textValue() + "'");
        }
        long[] shape = new long[v.get("shape").size()];
        for (int i = 0; i < shape.length; i++) {
            JsonNode s = v.get("shape").get(i);
            if (!s.canConvertToLong() || !s.isIntegralNumber() || s.longValue() < 0) {
                throw new ModelFormatException(where + " has an invalid shape " + v.get("shape"));
            }
            shape[i] = s.longValue();
        }
        JsonNode b = v.get("data_offsets").get(0);
        JsonNode e = v.get("data_offsets").get(1);
        if (!b.isIntegralNumber() || !e.isIntegralNumber() || !b.canConvertToLong() || !e.canConvertToLong()
                || b.longValue() < 0 || e.longValue() < b.longValue()) {
            throw new ModelFormatException(where + " has invalid data_offsets " + v.get("data_offsets"));
        }
        TensorInfo t = new TensorInfo(name, dtype, shape, b.longValue(), e.longValue());
        long expected;
        try {
            expected = 1;
            for (long s : shape) {
                expected = Math.multiplyExact(expected, s);
            }
            expected = Math.multiplyExact(expected, dtype.size());
        } catch (ArithmeticException overflow) {
            throw new ModelFormatException(where + " has an impossible shape " + t.shapeString());
        }
        if (t.byteLength() != expected) {
            throw new ModelFormatException(where + " spans " + t.byteLength() + " bytes but its shape "
                    + t.shapeString() + " of " + dtype + " needs " + expected + " (corrupt header); re-create or re-download it");
        }
        return t;
    }

    private static void checkRanges(String file, Map<String, TensorInfo> tensors, long dataLength) {
        List<TensorInfo> byOffset = new ArrayList<>(tensors.values());
        byOffset.sort(Comparator.comparingLong(TensorInfo::begin).thenComparingLong(TensorInfo::end));
        TensorInfo previous = null;
        for (TensorInfo t : byOffset) {
            if (t.end() > dataLength) {
                throw new ModelFormatException(file + " is truncated: tensor '" + t.name() + "' ends at byte " + t.end()
                        + " of the data section but only " + dataLength + " bytes are present; re-create or re-download it");
            }
            // Empty tensors occupy no bytes and cannot overlap anything.
            if (previous != null && t.byteLength() > 0 && t.begin() < previous.end()) {
                throw new ModelFormatException(file + " is corrupt: tensors '" + previous.name() + "' and '" + t.name()
                        + "' overlap in the data section");
            }
            if (t.byteLength() > 0) {
                previous = t;
            }
        }
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "no detail";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    public Path path() {
        return path;
    }

    /** The string metadata of the header ({@code __metadata__}), empty when there is none. */
    public Map<String, String> metadata() {
        return metadata;
    }

    /** Tensors in header order. */
    public List<TensorInfo> tensors() {
        return List.copyOf(tensors.values());
    }

    public boolean has(String name) {
        return tensors.containsKey(name);
    }

    /** The header entry of a tensor; a missing tensor is a {@link ModelFormatException} naming it. */
    public TensorInfo tensor(String name) {
        TensorInfo t = tensors.get(name);
        if (t == null) {
            throw new ModelFormatException(fileName() + " is missing tensor '" + name + "'");
        }
        return t;
    }

    /** A tensor as floats, converted from F32, F16, BF16 or F64, row-major. */
    public float[] floats(String name) {
        TensorInfo t = tensor(name);
        int n = arrayLength(t);
        MemorySegment s = slice(t);
        float[] out = new float[n];
        switch (t.dtype()) {
            case F32 -> MemorySegment.copy(s, F32_LE, 0, out, 0, n);
            case F16 -> {
                for (int i = 0; i < n; i++) {
                    out[i] = Float.float16ToFloat(s.getAtIndex(I16_LE, i));
                }
            }
            case BF16 -> {
                // bfloat16 is the upper half of an IEEE float, so widening is exact.
                for (int i = 0; i < n; i++) {
                    out[i] = Float.intBitsToFloat((s.getAtIndex(I16_LE, i) & 0xFFFF) << 16);
                }
            }
            case F64 -> {
                for (int i = 0; i < n; i++) {
                    out[i] = (float) s.getAtIndex(F64_LE, i);
                }
            }
            default -> throw new ModelFormatException(fileName() + ": tensor '" + name + "' has dtype " + t.dtype()
                    + ", expected a floating-point type (F32, F16, BF16)");
        }
        return out;
    }

    /** A float tensor whose shape must be exactly {@code expectedShape}. */
    public float[] floats(String name, long... expectedShape) {
        requireShape(name, expectedShape);
        return floats(name);
    }

    /** Checks a tensor's shape; a mismatch is a {@link ModelFormatException} naming both shapes. */
    public TensorInfo requireShape(String name, long... expectedShape) {
        TensorInfo t = tensor(name);
        if (!Arrays.equals(t.shape(), expectedShape)) {
            throw new ModelFormatException(fileName() + ": shape mismatch for tensor '" + name + "': found "
                    + t.shapeString() + ", expected " + Arrays.toString(expectedShape));
        }
        return t;
    }

    /** The raw little-endian bytes of a tensor of any dtype (for packed quantised data). */
    public byte[] bytes(String name) {
        TensorInfo t = tensor(name);
        if (t.byteLength() > Integer.MAX_VALUE - 8) {
            throw new ModelFormatException(fileName() + ": tensor '" + name + "' is too large for one Java array");
        }
        return slice(t).toArray(ValueLayout.JAVA_BYTE);
    }

    /** An I32 or U32 tensor as ints. */
    public int[] ints(String name) {
        TensorInfo t = requireDType(name, SafetensorsDType.I32, SafetensorsDType.U32);
        int[] out = new int[arrayLength(t)];
        MemorySegment.copy(slice(t), I32_LE, 0, out, 0, out.length);
        return out;
    }

    /** An I64 or U64 tensor as longs. */
    public long[] longs(String name) {
        TensorInfo t = requireDType(name, SafetensorsDType.I64, SafetensorsDType.U64);
        long[] out = new long[arrayLength(t)];
        MemorySegment.copy(slice(t), I64_LE, 0, out, 0, out.length);
        return out;
    }

    /** A zero-copy read-only view of a tensor's bytes, valid until {@link #close()}. */
    public MemorySegment segment(String name) {
        return slice(tensor(name));
    }

    /** CRC32C over the whole data section, as {@link SafetensorsWriter#dataChecksum()} computes it before writing. */
    public long dataChecksum() {
        CRC32C crc = new CRC32C();
        long chunk = 1 << 24;
        for (long off = 0; off < data.byteSize(); off += chunk) {
            crc.update(data.asSlice(off, Math.min(chunk, data.byteSize() - off)).asByteBuffer());
        }
        return crc.getValue();
    }

    /**
     * The index of the first NaN or infinite element of a floating-point tensor (F32, F16, BF16,
     * F64), or -1 when all are finite or the tensor holds no floats. Does not count as reading it
     * for {@link #unreadTensors()}.
     */
    public long firstNonFinite(String name) {
        TensorInfo t = tensor(name);
        MemorySegment s = data.asSlice(t.begin(), t.byteLength());
        long n = t.elementCount();
        switch (t.dtype()) {
            // a float is non-finite exactly when its exponent bits are all ones
            case F32 -> {
                for (long i = 0; i < n; i++) {
                    if ((s.getAtIndex(I32_LE, i) & 0x7f80_0000) == 0x7f80_0000) {
                        return i;
                    }
                }
            }
            case F16 -> {
                return firstWithBitsSet16(s, n, 0x7c00);
            }
            case BF16 -> {
                return firstWithBitsSet16(s, n, 0x7f80);
            }
            case F64 -> {
                for (long i = 0; i < n; i++) {
                    if (!Double.isFinite(s.getAtIndex(F64_LE, i))) {
                        return i;
                    }
                }
            }
            default -> {
                return -1;
            }
        }
        return -1;
    }

    /** Index of the first 16-bit element with every bit of {@code mask} set (F16 and BF16 exponents), or -1. */
    private static long firstWithBitsSet16(MemorySegment s, long n, int mask) {
        for (long i = 0; i < n; i++) {
            if ((s.getAtIndex(I16_LE, i) & mask) == mask) {
                return i;
            }
        }
        return -1;
    }

    /** Tensors whose data has not been read (through any accessor) since the file was opened, in header order. */
    public List<String> unreadTensors() {
        return tensors.keySet().stream().filter(n -> !read.contains(n)).toList();
    }

    /** Bytes in the data section. */
    public long dataLength() {
        return data.byteSize();
    }

    @Override
    public void close() {
        arena.close();
    }

    private TensorInfo requireDType(String name, SafetensorsDType... allowed) {
        TensorInfo t = tensor(name);
        for (SafetensorsDType a : allowed) {
            if (t.dtype() == a) {
                return t;
            }
        }
        throw new ModelFormatException(fileName() + ": tensor '" + name + "' has dtype " + t.dtype()
                + ", expected " + Arrays.toString(allowed));
    }

    private int arrayLength(TensorInfo t) {
        long n = t.elementCount();
        if (n > Integer.MAX_VALUE - 8) {
            throw new ModelFormatException(fileName() + ": tensor '" + t.name() + "' has " + n
                    + " elements, too many for one Java array");
        }
        return (int) n;
    }

    private MemorySegment slice(TensorInfo t) {
        read.add(t.name());
        return data.asSlice(t.begin(), t.byteLength());
    }

    private String fileName() {
        return path.getFileName().toString();
    }
}
