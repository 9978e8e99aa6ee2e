package io.ringkernel;

/** Base class of ringkernel's runtime exceptions. */
public class RingKernelException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public RingKernelException(String message) {
        super(message);
    }

    public RingKernelException(String message, Throwable cause) {
        super(message, cause);
    }
}
