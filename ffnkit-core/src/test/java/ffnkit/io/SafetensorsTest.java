package ffnkit.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SafetensorsTest {

    @TempDir
    Path dir;

    @Test
    void aFolderIsNamedAsSuch(@TempDir Path dir) {
        // FileChannel.open on a folder fails with "IOException: No such device" (e.g. compress --calibration DIR)
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> SafetensorsFile.open(dir));
        assertEquals(dir + " is a folder: give the .safetensors file itself", e.getMessage());
    }

    @Test
    void f32TensorsAndMetadataRoundTrip() throws IOException {
        float[] a = {1f, -2.5f, 3.25f, Float.MIN_VALUE, Float.MAX_VALUE, -0f};
        float[] b = {0.1f, 0.2f, 0.3f, Float.NaN};
        Path f = dir.resolve("t.safetensors");
        new SafetensorsWriter()
                .add("a", a, 2, 3)
                .add("b", b, 4)
                .add("empty", new float[0], 0, 5)
                .metadata("format", "pt")
                .metadata("text", "multi\nline \"quoted\" ünïcode")
                .write(f);
        try (SafetensorsFile in = SafetensorsFile.open(f)) {
            assertArrayEquals(a, in.floats("a", 2, 3));
            assertArrayEquals(b, in.floats("b"));
            assertEquals(0, in.floats("empty", 0, 5).length);
            assertEquals(Map.of("format", "pt", "text", "multi\nline \"quoted\" ünïcode"), in.metadata());
            assertEquals(List.of("a", "b", "empty"), in.tensors().stream().map(SafetensorsFile.TensorInfo::name).toList());
            assertEquals(SafetensorsDType.F32, in.tensor("a").dtype());
            assertArrayEquals(new long[] {2, 3}, in.tensor("a").shape());
        }
        // -0f and NaN must survive bit for bit, not just compare equal
        try (SafetensorsFile in = SafetensorsFile.open(f)) {
            assertEquals(Float.floatToRawIntBits(-0f), Float.floatToRawIntBits(in.floats("a")[5]));
        }
    }

    @Test
    void dataSectionStartsEightByteAligned() throws IOException {
        Path f = dir.resolve("t.safetensors");
        new SafetensorsWriter().add("x", new float[] {1}, 1).metadata("k", "v").write(f);
        byte[] bytes = Files.readAllBytes(f);
        long headerLength = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(0, (8 + headerLength) % 8);
        assertEquals(8 + headerLength + 4, bytes.length);
    }

    @Test
    void f16ConvertsToHandComputedFloats() throws IOException {
        // 1.0, -2.0, 0.5, largest normal 65504, smallest subnormal 2^-24, +inf, 1/3 rounded to F16
        short[] raw = {0x3C00, (short) 0xC000, 0x3800, 0x7BFF, 0x0001, 0x7C00, 0x3555};
        float[] expected = {1f, -2f, 0.5f, 65504f, 0x1p-24f, Float.POSITIVE_INFINITY, 0.333251953125f};
        Path f = dir.resolve("f16.safetensors");
        new SafetensorsWriter().addRaw("h", SafetensorsDType.F16, le(raw), raw.length)
                .add("w", SafetensorsDType.F16, new float[] {1f / 3, 65504f, 1f}, 3)
                .write(f);
        try (SafetensorsFile in = SafetensorsFile.open(f)) {
            assertArrayEquals(expected, in.floats("h"));
            assertArrayEquals(new float[] {0.333251953125f, 65504f, 1f}, in.floats("w"));
            assertEquals(SafetensorsDType.F16, in.tensor("w").dtype());
            assertEquals(6, in.tensor("w").byteLength());
        }
    }

    @Test
    void bf16ConvertsToHandComputedFloats() throws IOException {
        // 1.0, -2.0, pi truncated to 3.140625, 1/3 rounded up to 0.333984375
        short[] raw = {0x3F80, (short) 0xC000, 0x4049, 0x3EAB};
        float[] expected = {1f, -2f, 3.140625f, 0.333984375f};
        Path f = dir.resolve("bf16.safetensors");
        float halfwayToEven = Float.intBitsToFloat(0x3F808000); // ties to 0x3F80
        float halfwayToOdd = Float.intBitsToFloat(0x3F818000);  // ties to 0x3F82
        new SafetensorsWriter().addRaw("h", SafetensorsDType.BF16, le(raw), 2, 2)
                .add("w", SafetensorsDType.BF16, new float[] {1f / 3, halfwayToEven, halfwayToOdd}, 3)
                .write(f);
        try (SafetensorsFile in = SafetensorsFile.open(f)) {
            assertArrayEquals(expected, in.floats("h", 2, 2));
            assertArrayEquals(new float[] {0.333984375f, 1f, Float.intBitsToFloat(0x3F820000)}, in.floats("w"));
        }
    }

    @Test
    void integerTensorsGiveRawAccess() throws IOException {
        Path f = dir.resolve("int.safetensors");
        ByteBuffer longs = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(-1).putLong(1L << 40);
        new SafetensorsWriter()
                .addRaw("i8", SafetensorsDType.I8, new byte[] {-128, 0, 127}, 3)
                .addRaw("u8", SafetensorsDType.U8, new byte[] {(byte) 255, 1}, 2)
                .add("i32", new int[] {-7, 1 << 30}, 2)
                .addRaw("i64", SafetensorsDType.I64, longs.array(), 2)
                .write(f);
        try (SafetensorsFile in = SafetensorsFile.open(f)) {
            assertArrayEquals(new byte[] {-128, 0, 127}, in.bytes("i8"));
            assertEquals(255, in.bytes("u8")[0] & 0xFF);
            assertArrayEquals(new int[] {-7, 1 << 30}, in.ints("i32"));
            assertArrayEquals(new long[] {-1, 1L << 40}, in.longs("i64"));
            ModelFormatException e = assertThrows(ModelFormatException.class, () -> in.floats("i32"));
            assertTrue(e.getMessage().contains("'i32' has dtype I32"), e.getMessage());
        }
    }

    @Test
    void missingTensorAndWrongShapeAreNamed() throws IOException {
        Path f = dir.resolve("t.safetensors");
        new SafetensorsWriter().add("w", new float[6], 2, 3).write(f);
        try (SafetensorsFile in = SafetensorsFile.open(f)) {
            assertEquals("t.safetensors is missing tensor 'v'",
                    assertThrows(ModelFormatException.class, () -> in.floats("v")).getMessage());
            assertEquals("t.safetensors: shape mismatch for tensor 'w': found [2, 3], expected [3, 2]",
                    assertThrows(ModelFormatException.class, () -> in.floats("w", 3, 2)).getMessage());
        }
    }

    @Test
    void truncatedFileIsReported() throws IOException {
        Path f = dir.resolve("t.safetensors");
        new SafetensorsWriter().add("a", new float[8], 8).add("b", new float[8], 8).write(f);
        byte[] bytes = Files.readAllBytes(f);
        Files.write(f, java.util.Arrays.copyOf(bytes, bytes.length - 3));
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> SafetensorsFile.open(f));
        assertTrue(e.getMessage().startsWith("t.safetensors is truncated: tensor 'b' ends at byte 64"), e.getMessage());

        // cut inside the header
        Files.write(f, java.util.Arrays.copyOf(bytes, 20));
        e = assertThrows(ModelFormatException.class, () -> SafetensorsFile.open(f));
        assertTrue(e.getMessage().startsWith("t.safetensors is truncated: its header needs"), e.getMessage());

        Files.write(f, new byte[3]);
        e = assertThrows(ModelFormatException.class, () -> SafetensorsFile.open(f));
        assertTrue(e.getMessage().contains("has only 3 bytes"), e.getMessage());
    }

    @Test
    void foreignFileIsNotSafetensors() throws IOException {
        Path f = dir.resolve("model.onnx");
        Files.writeString(f, "this is a text file, not a model at all");
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> SafetensorsFile.open(f));
        assertTrue(e.getMessage().startsWith("model.onnx is not a safetensors file"), e.getMessage());

        Files.write(f, craft("[1, 2, 3]", new byte[0]));
        e = assertThrows(ModelFormatException.class, () -> SafetensorsFile.open(f));
        assertTrue(e.getMessage().contains("not a JSON object"), e.getMessage());

        Files.write(f, craft("{\"a\": {\"dtype\": \"F32\", \"shape\": [1]", new byte[0]));
        e = assertThrows(ModelFormatException.class, () -> SafetensorsFile.open(f));
        assertTrue(e.getMessage().contains("JSON header does not parse"), e.getMessage());
    }

    @Test
    void inconsistentHeadersAreRejected() throws IOException {
        Path f = dir.resolve("bad.safetensors");
        Files.write(f, craft("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", new byte[8]));
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> SafetensorsFile.open(f));
        assertEquals("bad.safetensors: tensor 'a' spans 8 bytes but its shape [3] of F32 needs 12 (corrupt header); re-create or re-download it",
                e.getMessage());

        Files.write(f, craft("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", new byte[12]));
        e = assertThrows(ModelFormatException.class, () -> SafetensorsFile.open(f));
        assertEquals("bad.safetensors is corrupt: tensors 'a' and 'b' overlap in the data section", e.getMessage());

        Files.write(f, craft("{\"a\":{\"dtype\":\"Q4\",\"shape\":[2],\"data_offsets\":[0,1]}}", new byte[1]));
        e = assertThrows(ModelFormatException.class, () -> SafetensorsFile.open(f));
        assertEquals("bad.safetensors: tensor 'a' has unknown dtype 'Q4'", e.getMessage());

        Files.write(f, craft("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,0]}}", new byte[8]));
        e = assertThrows(ModelFormatException.class, () -> SafetensorsFile.open(f));
        assertTrue(e.getMessage().contains("invalid data_offsets"), e.getMessage());

        Files.write(f, craft("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", new byte[8]));
        e = assertThrows(ModelFormatException.class, () -> SafetensorsFile.open(f));
        assertTrue(e.getMessage().contains("does not parse"), e.getMessage());
    }

    @Test
    void writeLeavesNoTemporaryFile() throws IOException {
        Path f = dir.resolve("m.safetensors");
        new SafetensorsWriter().add("a", new float[] {1, 2}, 2).write(f);
        new SafetensorsWriter().add("a", new float[] {3, 4}, 2).write(f); // replaces
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(f), files.toList());
        }
        try (SafetensorsFile in = SafetensorsFile.open(f)) {
            assertArrayEquals(new float[] {3, 4}, in.floats("a"));
        }
    }

    @Test
    void failedWriteLeavesNoTargetAndNoTemporaryFile() throws IOException {
        Path f = dir.resolve("m.safetensors");
        SafetensorsWriter w = new SafetensorsWriter().add("a", new float[1000], 1000);
        assertThrows(IllegalStateException.class, () -> w.write(f, () -> {
            throw new IllegalStateException("disk gone");
        }));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(), files.toList());
        }
    }

    @Test
    void failedWriteKeepsThePreviousFile() throws IOException {
        Path f = dir.resolve("m.safetensors");
        new SafetensorsWriter().add("a", new float[] {1, 2}, 2).write(f);
        byte[] before = Files.readAllBytes(f);
        SafetensorsWriter w = new SafetensorsWriter().add("b", new float[500], 500);
        assertThrows(IllegalStateException.class, () -> w.write(f, () -> {
            throw new IllegalStateException("killed");
        }));
        assertArrayEquals(before, Files.readAllBytes(f));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(f), files.toList());
        }
    }

    @Test
    void writerChecksumMatchesReaderChecksum() throws IOException {
        Path f = dir.resolve("c.safetensors");
        SafetensorsWriter w = new SafetensorsWriter().add("a", new float[] {1, 2, 3}, 3)
                .addRaw("q", SafetensorsDType.U8, new byte[] {9, 8, 7}, 3);
        w.write(f);
        try (SafetensorsFile in = SafetensorsFile.open(f)) {
            assertEquals(w.dataChecksum(), in.dataChecksum());
            assertEquals(15, in.dataLength());
        }
        assertFalse(w.dataChecksum() == new SafetensorsWriter().add("a", new float[] {1, 2, 4}, 3)
                .addRaw("q", SafetensorsDType.U8, new byte[] {9, 8, 7}, 3).dataChecksum());
    }

    @Test
    void writerRejectsMismatchedShapes() {
        SafetensorsWriter w = new SafetensorsWriter();
        assertThrows(IllegalArgumentException.class, () -> w.add("a", new float[5], 2, 3));
        assertThrows(IllegalArgumentException.class, () -> w.addRaw("b", SafetensorsDType.I32, new byte[5], 2));
        w.add("c", new float[1], 1);
        assertThrows(IllegalArgumentException.class, () -> w.add("c", new float[1], 1));
    }

    private static byte[] le(short[] values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (short v : values) {
            b.putShort(v);
        }
        return b.array();
    }

    /** A file with a hand-written header, for headers our writer would never produce. */
    static byte[] craft(String header, byte[] data) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN)
                .putLong(h.length).put(h).put(data).array();
    }
}
