package ffnkit.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ffnkit.api.EmbeddingModel;
import ffnkit.eval.data.BeirDataset;
import ffnkit.eval.data.BeirFiles;
import ffnkit.kernels.Parallel;
import ffnkit.util.Progress;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The check that ffnkit's engine is a faithful all-MiniLM-L6-v2: on a slice of the committed
 * retrieval data (200 queries; their judged documents plus seeded distractors, 2,200 documents), our
 * engine and ONNX Runtime on the original ONNX file give the same retrieval scores to 3 decimals.
 */
class EngineVsOnnxRuntimeRetrievalTest {

    static final int QUERIES = 200;
    static final int CORPUS = 2200;

    @Test
    void sameRetrievalScoresAsOnnxRuntime(@TempDir Path dir) throws Exception {
        BeirDataset data = BeirFiles.read(committed()).sample(QUERIES, CORPUS, 42);
        assertEquals(QUERIES, data.queries().size());
        assertEquals(CORPUS, data.corpus().size());
        var options = new Evaluation.RetrievalOptions("", "", 64, 0);

        RetrievalResult ours;
        Path onnx = dir.resolve("model.onnx");
        try (EmbeddingModel model = EmbeddingModel.load("all-minilm-l6-v2")) {
            Files.write(onnx, model.readOnnxSource());
            model.batchSize(64);
            ours = Evaluation.retrieval(model::embed, data, options, Progress.silent());
        }
        RetrievalResult ort;
        try (var oracle = new OnnxRuntimeEmbedder(onnx, resource(dir, "all-minilm-l6-v2-tokenizer.json"), 256,
                Parallel.shared().threads())) {
            ort = Evaluation.retrieval(oracle, data, options, Progress.silent());
        }
        System.out.println("engine:       " + ours + "\nONNX Runtime: " + ort);

        assertEquals(ort.queries(), ours.queries());
        assertEquals(ort.corpusSize(), ours.corpusSize());
        String[] names = {"nDCG@10", "MRR@10", "Recall@1", "Recall@10", "Recall@100"};
        double[] a = {ours.ndcgAt10(), ours.mrrAt10(), ours.recallAt1(), ours.recallAt10(), ours.recallAt100()};
        double[] b = {ort.ndcgAt10(), ort.mrrAt10(), ort.recallAt1(), ort.recallAt10(), ort.recallAt100()};
        for (int i = 0; i < names.length; i++) {
            assertEquals(b[i], a[i], 5e-4, names[i] + " differs at 3 decimals: engine " + ours + " vs ORT " + ort);
        }
        // a real model on an easy slice: far above chance, so the agreement above is not trivial
        assertTrue(ort.recallAt100() > 0.5 && ort.ndcgAt10() > 0.1, ort.toString());
    }

    private static Path resource(Path dir, String name) throws Exception {
        try (InputStream in = EngineVsOnnxRuntimeRetrievalTest.class.getResourceAsStream("/" + name)) {
            Path file = dir.resolve(name);
            Files.copy(in, file);
            return file;
        }
    }

    static Path committed() {
        Path p = Path.of("").toAbsolutePath();
        while (!Files.isDirectory(p.resolve("datasets/wordnet-gloss-example"))) {
            p = p.getParent();
        }
        return p.resolve("datasets/wordnet-gloss-example");
    }
}
