package ffnkit.api;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ffnkit.kernels.Parallel;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The same text gives the same embedding bits in every process (for a given thread count): a fresh
 * JVM, whose first batches run before the JIT has compiled the kernels, must agree bit for bit with
 * this warmed-up one. Float reductions whose order differs between compiled and interpreted code
 * broke this once.
 */
class ReproducibilityTest {

    private static final int TEXTS = 12;

    /** Child process: embeds the texts cold, one per batch, and prints each float's bits. */
    public static void main(String[] args) throws IOException {
        try (EmbeddingModel model = EmbeddingModel.load("all-minilm-l6-v2")) {
            for (String text : TestData.paritySentences().subList(0, TEXTS)) {
                System.out.println(bits(model.embed(text)));
            }
        }
    }

    private static String bits(float[] v) {
        StringBuilder s = new StringBuilder();
        for (float x : v) {
            s.append(Integer.toHexString(Float.floatToRawIntBits(x))).append(' ');
        }
        return s.toString().trim();
    }

    @Test
    void aColdProcessEmbedsBitForBitLikeAWarmOne() throws IOException, InterruptedException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> command = new ArrayList<>(List.of(java.toString(), "--add-modules", "jdk.incubator.vector",
                "-cp", System.getProperty("java.class.path"), ReproducibilityTest.class.getName()));
        if (System.getProperty("ffnkit.simd.bits") != null) {
            command.add(1, "-Dffnkit.simd.bits=" + System.getProperty("ffnkit.simd.bits"));
        }
        Process child = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        List<String> cold = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines().toList();
        child.waitFor(120, TimeUnit.SECONDS);
        assertEquals(0, child.exitValue(), "child process failed");
        assertEquals(TEXTS, cold.size());
        int threads = Parallel.shared().threads();
        Parallel.setThreads(Runtime.getRuntime().availableProcessors()); // as in the child
        try (EmbeddingModel model = EmbeddingModel.load("all-minilm-l6-v2")) {
            List<String> texts = TestData.paritySentences().subList(0, TEXTS);
            for (int round = 0; round < 20; round++) { // warm up: let the JIT compile the kernels
                model.batchSize(1).embed(TestData.paritySentences().subList(0, 60));
            }
            for (int i = 0; i < TEXTS; i++) {
                assertEquals(cold.get(i), bits(model.embed(texts.get(i))), "text " + i + ": " + texts.get(i));
            }
        } finally {
            Parallel.setThreads(threads);
        }
    }
}
