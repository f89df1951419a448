package ffnkit.eval.data;

/**
 * A dataset file is missing or malformed. The message is one line that names the file (and the
 * line number where there is one), so a user can fix the input without a stack trace.
 */
public final class DatasetException extends RuntimeException {

    public DatasetException(String message) {
        super(message);
    }

    public DatasetException(String message, Throwable cause) {
        super(message, cause);
    }
}
