package ffnkit.io;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;

/**
 * Collects named tensors and string metadata, then writes one safetensors file atomically: the
 * bytes go to a temporary file in the target's directory ({@link AtomicFiles}), are forced to disk,
 * and the file is renamed over the target. A crash or error at any point leaves either the old target or the
 * complete new one, never a half-written file.
 *
 * <p>Tensors are encoded to little-endian bytes when added, so the data checksum can be computed
 * (and stored in the metadata) before the header is written. Tensors are laid out in the order
 * added, back to back, as the reference implementation requires; the header is padded with spaces
 * so the data section starts 8-byte aligned.
 */
public final class SafetensorsWriter {

    private record Entry(String name, SafetensorsDType dtype, long[] shape, byte[] bytes) {
    }

    private final List<Entry> entries = new ArrayList<>();
    private final Map<String, Entry> byName = new LinkedHashMap<>();
    private final Map<String, String> metadata = new LinkedHashMap<>();

    /** Adds an F32 tensor. */
    public SafetensorsWriter add(String name, float[] values, long... shape) {
        return add(name, SafetensorsDType.F32, values, shape);
    }

    /** Adds a float tensor stored as F32, F16 or BF16 (F16 and BF16 round to nearest even). */
    public SafetensorsWriter add(String name, SafetensorsDType dtype, float[] values, long... shape) {
        checkCount(name, values.length, shape);
        ByteBuffer b = ByteBuffer.allocate(Math.multiplyExact(values.length, dtype.size())).order(ByteOrder.LITTLE_ENDIAN);
        switch (dtype) {
            case F32 -> b.asFloatBuffer().put(values);
            case F16 -> {
                for (float v : values) {
                    b.putShort(Float.floatToFloat16(v));
                }
            }
            case BF16 -> {
                for (float v : values) {
                    b.putShort(toBFloat16(v));
                }
            }
            default -> throw new IllegalArgumentException("tensor '" + name + "': " + dtype
                    + " is not a float storage type (use F32, F16 or BF16, or addRaw)");
        }
        return put(new Entry(name, dtype, shape.clone(), b.array()));
    }

    /** Adds an I32 tensor. */
    public SafetensorsWriter add(String name, int[] values, long... shape) {
        checkCount(name, values.length, shape);
        ByteBuffer b = ByteBuffer.allocate(Math.multiplyExact(values.length, 4)).order(ByteOrder.LITTLE_ENDIAN);
        b.asIntBuffer().put(values);
        return put(new Entry(name, SafetensorsDType.I32, shape.clone(), b.array()));
    }

    /** Adds already-encoded little-endian bytes (packed quantised weights, scales in any dtype). */
    public SafetensorsWriter addRaw(String name, SafetensorsDType dtype, byte[] bytes, long... shape) {
        long count = count(shape);
        if (count * dtype.size() != bytes.length) {
            throw new IllegalArgumentException("tensor '" + name + "': " + bytes.length + " bytes do not match shape "
                    + Arrays.toString(shape) + " of " + dtype);
        }
        return put(new Entry(name, dtype, shape.clone(), bytes.clone()));
    }

    /** Sets a metadata entry (stored in the header's {@code __metadata__}). */
    public SafetensorsWriter metadata(String key, String value) {
        if (key == null || value == null) {
            throw new IllegalArgumentException("metadata keys and values must not be null");
        }
        metadata.put(key, value);
        return this;
    }

    /** The metadata set so far, in insertion order (read-only view). */
    public Map<String, String> metadata() {
        return java.util.Collections.unmodifiableMap(metadata);
    }

    public boolean has(String name) {
        return byName.containsKey(name);
    }

    /** CRC32C of the data section exactly as {@link #write} will lay it out. */
    public long dataChecksum() {
        CRC32C crc = new CRC32C();
        for (Entry e : entries) {
            crc.update(e.bytes());
        }
        return crc.getValue();
    }

    /** Writes the file atomically; on any failure the target is left as it was and no temporary file remains. */
    public void write(Path target) throws IOException {
        write(target, () -> {
        });
    }

    /** @param beforeRename runs after the data is on disk and before the rename; tests use it to inject a failure */
    void write(Path target, Runnable beforeRename) throws IOException {
        byte[] header = header();
        AtomicFiles.write(target, tmp -> {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length).flip();
                writeFully(ch, len);
                writeFully(ch, ByteBuffer.wrap(header));
                for (Entry e : entries) {
                    writeFully(ch, ByteBuffer.wrap(e.bytes()));
                }
                ch.force(true);
            }
            beforeRename.run();
        });
    }

    private byte[] header() {
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode root = mapper.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode meta = root.putObject(SafetensorsFile.METADATA_KEY);
            metadata.forEach(meta::put);
        }
        long offset = 0;
        for (Entry e : entries) {
            ObjectNode t = root.putObject(e.name());
            t.put("dtype", e.dtype().name());
            ArrayNode shape = t.putArray("shape");
            for (long s : e.shape()) {
                shape.add(s);
            }
            ArrayNode offsets = t.putArray("data_offsets");
            offsets.add(offset);
            offset += e.bytes().length;
            offsets.add(offset);
        }
        byte[] json;
        try {
            json = mapper.writeValueAsBytes(root);
        } catch (IOException e) {
            throw new IllegalStateException("cannot encode safetensors header", e);
        }
        if (json.length > SafetensorsFile.MAX_HEADER_BYTES) {
            throw new IllegalArgumentException("safetensors header would be " + json.length + " bytes, over the "
                    + SafetensorsFile.MAX_HEADER_BYTES + " byte limit readers accept");
        }
        int padded = (json.length + 8 - 1) / 8 * 8;
        byte[] out = Arrays.copyOf(json, padded);
        Arrays.fill(out, json.length, padded, (byte) ' ');
        return out;
    }

    private SafetensorsWriter put(Entry e) {
        if (e.name().equals(SafetensorsFile.METADATA_KEY)) {
            throw new IllegalArgumentException("'" + e.name() + "' is reserved for metadata");
        }
        if (byName.containsKey(e.name())) {
            throw new IllegalArgumentException("tensor '" + e.name() + "' added twice");
        }
        byName.put(e.name(), e);
        entries.add(e);
        return this;
    }

    private static void checkCount(String name, int values, long[] shape) {
        if (count(shape) != values) {
            throw new IllegalArgumentException("tensor '" + name + "': " + values + " values do not match shape "
                    + Arrays.toString(shape));
        }
    }

    private static long count(long[] shape) {
        long n = 1;
        for (long s : shape) {
            if (s < 0) {
                throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
            }
            n = Math.multiplyExact(n, s);
        }
        return n;
    }

    /** Float to bfloat16 with round-to-nearest-even; NaN stays a (quiet) NaN. */
    static short toBFloat16(float v) {
        int bits = Float.floatToRawIntBits(v);
        if (Float.isNaN(v)) {
            return (short) ((bits >>> 16) | 0x0040);
        }
        int rounding = 0x7FFF + ((bits >>> 16) & 1);
        return (short) ((bits + rounding) >>> 16);
    }

    private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }
}
