package io.ringkernel;

/**
 * An accepted message could not be answered because its kernel stopped first (terminated after the
 * drain timeout, failed, or was closed). The message says which and why.
 */
public final class KernelTerminatedException extends RingKernelException {

    private static final long serialVersionUID = 1L;

    public KernelTerminatedException(String message, Throwable cause) {
        super(message, cause);
    }
}
