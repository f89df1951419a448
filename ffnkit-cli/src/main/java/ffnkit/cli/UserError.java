package ffnkit.cli;

/** A mistake in what the user asked for (flags, files); its message says how to fix it. */
public final class UserError extends RuntimeException {

    public UserError(String message) {
        super(message);
    }
}
