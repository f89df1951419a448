package ffnkit.cli;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

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
            Path dir = target.toAbsolutePath().getParent();
            if (!Files.isDirectory(dir)) {
                throw new UserError("output folder " + dir + " does not exist: create it first");
            }
            this.temp = Files.createTempFile(dir, "." + target.getFileName(), ".tmp");
            this.writer = Files.newBufferedWriter(temp, StandardCharsets.UTF_8);
        }
    }

    Writer writer() {
        return writer;
    }

    void commit() throws IOException {
        writer.flush();
        if (temp != null) {
            writer.close();
            Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }
        committed = true;
    }

    @Override
    public void close() throws IOException {
        if (temp == null) {
            writer.flush();
            return;
        }
        writer.close();
        if (!committed) {
            Files.deleteIfExists(temp);
        }
    }
}
