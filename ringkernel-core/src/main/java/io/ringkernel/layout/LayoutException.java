package io.ringkernel.layout;

/**
 * A record type cannot be used as a message: the message names the record and the offending
 * component. Thrown when a kernel is defined, never on the hot path.
 */
public final class LayoutException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    public LayoutException(String message) {
        super(message);
    }
}
