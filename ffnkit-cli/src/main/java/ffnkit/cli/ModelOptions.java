package ffnkit.cli;

import ffnkit.api.BuiltinModel;
import ffnkit.api.EmbeddingModel;
import ffnkit.kernels.Parallel;
import picocli.CommandLine.Option;

/** --model, --threads and --max-tokens, shared by every command that runs a model. */
final class ModelOptions {

    @Option(names = "--model", defaultValue = BuiltinModel.DEFAULT, paramLabel = "NAME|PATH",
            description = "Built-in model name (see 'ffnkit models'), a BERT .onnx file with tokenizer.json beside it, "
                    + "a Hugging Face BERT folder, or a saved ffnkit model (default: ${DEFAULT-VALUE}).")
    String model;

    @Option(names = "--threads", paramLabel = "N", description = "Worker threads (default: all cores).")
    Integer threads;

    @Option(names = "--max-tokens", paramLabel = "N", description = "Truncate texts to N tokens (default: the model's, 256 for all-minilm-l6-v2).")
    Integer maxTokens;

    /** The model as a file, when --model names one (a saved model, an .onnx), else null: outputs must not replace it. */
    java.nio.file.Path file() {
        return OutputPaths.existingFile(model);
    }

    EmbeddingModel open() {
        return open(model);
    }

    /** Opens another model (e.g. a reference) with the same --threads and --max-tokens. */
    EmbeddingModel open(String nameOrPath) {
        applyThreads();
        if (maxTokens != null && maxTokens < 1) {
            // 0 means "the model's own limit" inside the loader; a user who typed it meant something else.
            throw new UserError("--max-tokens must be at least 1, got " + maxTokens + " (leave it out for the model's limit)");
        }
        return EmbeddingModel.load(nameOrPath, maxTokens == null ? 0 : maxTokens);
    }

    void applyThreads() {
        if (threads != null) {
            Parallel.setThreads(checkThreads(threads));
        }
    }

    /** The --threads value, or a one-line error naming the range (one check for every command). */
    static int checkThreads(int threads) {
        if (threads < 1 || threads > Parallel.MAX_THREADS) {
            throw new UserError("--threads must be between 1 and " + Parallel.MAX_THREADS + " (this machine has "
                    + Runtime.getRuntime().availableProcessors() + " cores), got " + threads);
        }
        return threads;
    }
}
