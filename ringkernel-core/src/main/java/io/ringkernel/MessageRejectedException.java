package io.ringkernel;

/** A message was not accepted: the ring stayed full (per the kernel's {@link Backpressure}). */
public final class MessageRejectedException extends RingKernelException {

    private static final long serialVersionUID = 1L;

    public MessageRejectedException(String message) {
        super(message);
    }
}
