package ffnkit.io;

/**
 * A model file or folder that cannot be used as it is. The message is one line that names the
 * problem and, where there is one, the fix, so the CLI can print it as it stands.
 */
public final class ModelFormatException extends RuntimeException {

    public ModelFormatException(String message) {
        super(message);
    }

    public ModelFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
