package ffnkit.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import ffnkit.api.EmbeddingModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EmbedCommandTest {

    @Test
    void embedsEveryLineIncludingEmptyAndInvalidUtf8(@TempDir Path dir) throws Exception {
        Path in = dir.resolve("in.txt");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        bytes.write("hello world\n\nab".getBytes(StandardCharsets.UTF_8));
        bytes.write(new byte[] {(byte) 0xff, (byte) 0xfe});
        bytes.write("cd\n".getBytes(StandardCharsets.UTF_8));
        bytes.write(("word ".repeat(5000) + "\n").getBytes(StandardCharsets.UTF_8));
        Files.write(in, bytes.toByteArray());
        Path out = dir.resolve("out.jsonl");

        assertEquals(0, Main.run("embed", "--input", in.toString(), "--output", out.toString(), "--batch", "2"));

        List<String> lines = Files.readAllLines(out);
        assertEquals(4, lines.size());
        ObjectMapper json = new ObjectMapper();
        try (EmbeddingModel model = EmbeddingModel.load("all-minilm-l6-v2")) {
            // Invalid bytes become U+FFFD, which BERT's text cleaning drops: "ab\uFFFD\uFFFDcd" embeds as "abcd".
            List<String> expected = List.of("hello world", "", "abcd", "word ".repeat(5000));
            for (int i = 0; i < 4; i++) {
                JsonNode e = json.readTree(lines.get(i)).get("embedding");
                float[] want = model.embed(expected.get(i));
                assertEquals(384, e.size());
                for (int k = 0; k < 384; k++) {
                    assertEquals(want[k], e.get(k).floatValue(), 1e-6f, "line " + i + " component " + k);
                }
            }
        }
        try (var files = Files.list(dir)) {
            assertEquals(2, files.count(), "no temporary file left behind");
        }
    }

    @Test
    void stopsWhenStdoutIsClosed(@TempDir Path dir) throws Exception {
        // `ffnkit embed --input big.txt | head -1`: System.out swallows the broken pipe, so embed
        // used to go on embedding the whole file for nobody
        Path in = Files.writeString(dir.resolve("in.txt"), "a short text\n".repeat(400));
        int[] writes = {0};
        java.io.OutputStream closedPipe = new java.io.OutputStream() {
            @Override
            public void write(int b) throws java.io.IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws java.io.IOException {
                writes[0]++;
                throw new java.io.IOException("Broken pipe");
            }
        };
        java.io.PrintStream saved = System.out;
        int code;
        try {
            System.setOut(new java.io.PrintStream(closedPipe, false, StandardCharsets.UTF_8));
            code = Main.run("embed", "--input", in.toString(), "--batch", "1");
        } finally {
            System.setOut(saved);
        }
        assertEquals(0, code);
        // the first chunk of 8 lines reaches the stream in a few pieces; all 400 lines took over 200
        assertTrue(writes[0] <= 10, "stopped after the first failed write, not after " + writes[0]);
    }

    @Test
    void inputCanBeOverwrittenInPlaceAndTheOutputKeepsNormalPermissions(@TempDir Path dir) throws Exception {
        // what the process's umask gives a new file (AtomicOutput once made outputs 0600 via createTempFile)
        var normal = Files.getPosixFilePermissions(Files.createFile(dir.resolve("reference")));
        Path file = Files.writeString(dir.resolve("texts.txt"), "hello\nworld\n");
        Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));

        assertEquals(0, Main.run("embed", "--input", file.toString(), "--output", file.toString()));

        List<String> lines = Files.readAllLines(file);
        assertEquals(2, lines.size());
        assertTrue(lines.get(0).startsWith("{\"embedding\":["), lines.get(0));
        assertEquals(normal, Files.getPosixFilePermissions(file));
    }

    @Test
    void missingInputFailsWithoutCreatingOutput(@TempDir Path dir) {
        Path out = dir.resolve("out.jsonl");
        assertEquals(1, Main.run("embed", "--input", dir.resolve("absent.txt").toString(), "--output", out.toString()));
        assertFalse(Files.exists(out));
    }

    @Test
    void unknownModelFailsWithoutCreatingOutput(@TempDir Path dir) throws Exception {
        Path in = Files.writeString(dir.resolve("in.txt"), "text\n");
        Path out = dir.resolve("out.jsonl");
        assertEquals(1, Main.run("embed", "--model", "nonexistent-model", "--input", in.toString(), "--output", out.toString()));
        assertFalse(Files.exists(out));
        try (var files = Files.list(dir)) {
            assertTrue(files.allMatch(p -> p.equals(in)));
        }
    }

    @Test
    void badFlagsAreUsageErrors() {
        assertEquals(2, Main.run("embed", "--threads"));
        assertEquals(1, Main.run("embed", "--batch", "0"));
        assertEquals(1, Main.run("embed", "--batch", "100000"));
        assertEquals(1, Main.run("embed", "--threads", "0"));
    }
}
