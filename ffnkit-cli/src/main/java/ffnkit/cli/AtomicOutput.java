package ffnkit.cli;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import ffnkit.io.AtomicFiles;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Text output to a file that appears only when complete: written to a temporary file in the
 * same folder and renamed on {@link #commit()}; closed without commit, it leaves nothing behind.
 * With a null path it writes to stdout.
 */
final class AtomicOutput implements AutoCloseable {

    private final Path target;
    private final Path temp;
    private final Writer writer;
    private boolean committed;

    AtomicOutput(Path target) throws IOException {
        this.target = target;
        if (target == null) {
            this.temp = null;
            this.writer = new BufferedWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8), 1 << 16);
        } else {
            // AtomicFiles: normal permissions, and deleted by the shutdown hook if the run is interrupted
            this.temp = AtomicFiles.createTemp(target);
            this.writer = Files.newBufferedWriter(temp, StandardCharsets.UTF_8);
        }
    }

    Writer writer() {
        return writer;
    }

    void commit() throws IOException {
        try {
            writer.flush();
            if (temp != null) {
                writer.close();
            }
        } catch (IOException e) {
            throw temp == null ? e : AtomicFiles.writeFailed(target, e);
        }
        if (temp != null) {
            AtomicFiles.commit(temp, target);
        }
        committed = true;
    }

    @Override
    public void close() throws IOException {
        if (temp == null) {
            writer.flush();
            return;
        }
        try {
            writer.close();
        } finally {
            if (!committed) {
                AtomicFiles.discard(temp);
            }
        }
    }
}
