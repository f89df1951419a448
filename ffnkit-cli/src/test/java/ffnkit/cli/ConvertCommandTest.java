package ffnkit.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import ffnkit.api.EmbeddingModel;
import ffnkit.io.SavedModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** convert end to end on the built-in model, tiny trees and few rows so that it runs in seconds. */
class ConvertCommandTest {

    private record Result(int code, String out, String err) {
    }

    @Test
    void reconvertingAConvertedModelReportsTheDenseLayerAndKeepsTheEarlierLayers(@TempDir Path dir) throws Exception {
        long dense;
        try (EmbeddingModel m = EmbeddingModel.load("all-minilm-l6-v2")) {
            dense = m.encoder().layers().get(4).feedForward().flopsPerToken();
        }
        Path first = dir.resolve("first.safetensors");
        Result a = convert("all-minilm-l6-v2", "0", "1", first);
        assertEquals(0, a.code(), a.err());
        JsonNode ja = new ObjectMapper().readTree(a.out());
        assertEquals(dense, ja.get("ffn_flops_per_token_before").asLong());
        long tree = ja.get("ffn_flops_per_token_after").asLong();
        assertTrue(tree < dense / 100, "a depth-1 tree is 3 neurons: " + tree);

        Path second = dir.resolve("second.safetensors");
        Result b = convert(first.toString(), "4", "2", second);
        assertEquals(0, b.code(), b.err());
        JsonNode jb = new ObjectMapper().readTree(b.out());
        assertEquals(dense, jb.get("ffn_flops_per_token_before").asLong(), "layer 4 is dense; layer 0 is a tree now");
        var info = SavedModel.read(second).info();
        assertEquals("[0, 4]", info.get("converted_layers"));
        assertEquals("fff 1x2 on layers [4]; layers [0] converted or compressed earlier", info.get("method"));

        Result again = convert(second.toString(), "0", "2", dir.resolve("third.safetensors"));
        assertEquals(1, again.code());
        assertEquals("ffnkit: error: layer 0 is not a dense FFN (converted or compressed already): leave it out of --layers,"
                + " or convert the original model", again.err().strip());

        // without --layers, the layers still dense; then none is left
        Path all = dir.resolve("all.safetensors");
        Result rest = run("convert", "--model", second.toString(), "--to", "fff", "--trees", "1", "--depth", "1",
                "--calib-limit", "8", "--max-rows", "64", "--epochs", "1", "--json", "--out", all.toString());
        assertEquals(0, rest.code(), rest.err());
        assertEquals("[0, 1, 2, 3, 4, 5]", SavedModel.read(all).info().get("converted_layers"));
        assertEquals("fff 1x1 on layers [1, 2, 3, 5]; layers [0, 4] converted or compressed earlier",
                SavedModel.read(all).info().get("method"));
        Result none = run("convert", "--model", all.toString(), "--to", "fff", "--out", dir.resolve("none.safetensors").toString());
        assertEquals(1, none.code());
        assertTrue(none.err().contains("has a dense FFN left to convert"), none.err());

        // the converted model runs in embed
        Path in = Files.writeString(dir.resolve("in.txt"), "a converted model still embeds text\n");
        Path out = dir.resolve("out.jsonl");
        Result e = run("embed", "--model", second.toString(), "--input", in.toString(), "--output", out.toString());
        assertEquals(0, e.code(), e.err());
        JsonNode vector = new ObjectMapper().readTree(Files.readString(out)).get("embedding");
        assertEquals(384, vector.size());
        assertTrue(Double.isFinite(vector.get(0).asDouble()));
    }

    private static Result convert(String model, String layers, String depth, Path out) {
        return run("convert", "--model", model, "--to", "fff", "--trees", "1", "--depth", depth, "--layers", layers,
                "--calib-limit", "8", "--max-rows", "64", "--epochs", "1", "--json", "--out", out.toString());
    }

    /** stdout and stderr of the command, System.out included: convert prints its JSON there. */
    private static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        PrintStream saved = System.out;
        System.setOut(new PrintStream(stdout, true, StandardCharsets.UTF_8));
        try {
            int code = Main.run(new PrintWriter(out), new PrintWriter(err), args);
            return new Result(code, out + stdout.toString(StandardCharsets.UTF_8), err.toString());
        } finally {
            System.setOut(saved);
        }
    }
}
