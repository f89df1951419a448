package ffnkit.cli;

import ffnkit.api.EmbeddingModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.Writer;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "embed", description = {
        "Embed texts, one per line, into one JSON object per line: {\"embedding\":[...]}.",
        "e5-small-v2 expects 'query: ' or 'passage: ' before each text (see --prefix)."})
final class EmbedCommand implements Callable<Integer> {

    @Mixin
    ModelOptions model;

    @Option(names = "--input", paramLabel = "FILE", description = "Texts, one per line (default: stdin). Empty lines embed as [CLS] [SEP].")
    Path input;

    /** As typed: a String, so that a trailing '/' is seen (see {@link OutputPaths#checkFile}). */
    @Option(names = "--output", paramLabel = "FILE", description = "Where to write (default: stdout); written to a temporary file, then renamed.")
    String outputArg;

    @Option(names = "--batch", defaultValue = "32", paramLabel = "N", description = "Texts per forward pass (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--prefix", defaultValue = "", paramLabel = "TEXT", description = "Text put before every line, e.g. 'query: ' for e5.")
    String prefix;

    @Override
    public Integer call() throws Exception {
        Flags.checkBatch(batch);
        Path output = null; // stdout
        if (outputArg != null) {
            // --output may be --input: the texts are read before the output replaces them
            output = OutputPaths.checkFile("--output", outputArg);
            OutputPaths.refuseInput("--output", output, "--model", model.file());
        }
        try (EmbeddingModel m = model.open();
             TextInput in = new TextInput(input);
             AtomicOutput out = new AtomicOutput(output)) {
            m.batchSize(batch);
            Writer w = out.writer();
            StringBuilder line = new StringBuilder();
            for (List<String> texts = in.next(batch * 8); !texts.isEmpty(); texts = in.next(batch * 8)) {
                List<String> prefixed = prefix.isEmpty() ? texts : texts.stream().map(t -> prefix + t).toList();
                for (float[] e : m.embed(prefixed)) {
                    line.setLength(0);
                    line.append("{\"embedding\":[");
                    for (int i = 0; i < e.length; i++) {
                        line.append(i == 0 ? "" : ",").append(e[i]);
                    }
                    w.write(line.append("]}\n").toString());
                }
                if (output == null) {
                    // System.out swallows a broken pipe (`embed ... | head -1`): stop embedding for nobody
                    w.flush();
                    if (System.out.checkError()) {
                        return 0;
                    }
                }
            }
            out.commit();
        }
        return 0;
    }
}
