package io.kovn.node.host;

/** A host command that failed, with its command line, exit code and error output in the message. */
public final class CommandException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int exitCode;
    private final String stderr;

    public CommandException(String message, int exitCode, String stderr) {
        super(message);
        this.exitCode = exitCode;
        this.stderr = stderr;
    }

    public int exitCode() {
        return exitCode;
    }

    public String stderr() {
        return stderr;
    }
}
