package io.ringkernel;

/** The kernel's handler failed on a message; the cause is the handler's exception or the device error. */
public final class KernelFailedException extends RingKernelException {

    private static final long serialVersionUID = 1L;

    public KernelFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}
