package ffnkit.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One text per line, from a file or stdin. Invalid UTF-8 bytes become U+FFFD (which the tokenizer
 * drops), so a stray byte costs one character, not the run; a warning goes to stderr.
 */
final class TextInput implements AutoCloseable {

    private final BufferedReader reader;
    private final String source;
    private boolean warned;

    TextInput(Path file) throws IOException {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPLACE)
                .onUnmappableCharacter(CodingErrorAction.REPLACE);
        InputStream in;
        if (file == null) {
            in = System.in;
            source = "stdin";
        } else {
            if (Files.isDirectory(file)) {
                throw new UserError("input " + file + " is a folder: give a text file with one text per line");
            }
            try {
                in = Files.newInputStream(file);
            } catch (NoSuchFileException e) {
                throw new UserError("input file not found: " + file);
            }
            source = file.toString();
        }
        reader = new BufferedReader(new InputStreamReader(in, decoder), 1 << 16);
    }

    /** Up to max lines; an empty list at the end of input. */
    List<String> next(int max) throws IOException {
        List<String> lines = new ArrayList<>(max);
        String line;
        while (lines.size() < max && (line = reader.readLine()) != null) {
            if (!warned && line.indexOf('\uFFFD') >= 0) {
                warned = true;
                System.err.println("ffnkit: warning: " + source + " contains invalid UTF-8; bad bytes were replaced");
            }
            lines.add(line);
        }
        return lines;
    }

    static List<String> readAll(Path file) throws IOException {
        try (TextInput in = new TextInput(file)) {
            List<String> all = new ArrayList<>();
            for (List<String> chunk = in.next(4096); !chunk.isEmpty(); chunk = in.next(4096)) {
                all.addAll(chunk);
            }
            return all;
        }
    }

    @Override
    public void close() throws IOException {
        reader.close();
    }
}
