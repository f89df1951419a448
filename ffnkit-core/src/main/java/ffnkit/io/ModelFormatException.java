package ffnkit.io;

/** A model file that cannot be used; the message names the problem and, where there is one, the fix. */
public final class ModelFormatException extends RuntimeException {

    public ModelFormatException(String message) {
        super(message);
    }

    public ModelFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
