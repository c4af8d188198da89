package io.kovn.controller.alloc;

/** No free address or subnet is left in the named range. */
public class ExhaustedException extends Exception {
    private static final long serialVersionUID = 1L;

    public ExhaustedException(String message) {
        super(message);
    }
}
