package ffnkit.io;

import java.io.IOException;

/**
 * Writing an output file failed; the message is one line for the user that names the file as they
 * gave it (never a temporary file) and says what to do where that is known.
 */
public final class OutputFileException extends IOException {

    public OutputFileException(String message) {
        super(message);
    }

    public OutputFileException(String message, Throwable cause) {
        super(message, cause);
    }
}
