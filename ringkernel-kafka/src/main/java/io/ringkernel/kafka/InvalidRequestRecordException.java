package io.ringkernel.kafka;

import io.ringkernel.RingKernelException;

/**
 * A request record that cannot be handed to its kernel: its value does not decode to the kernel's
 * request layout, its key is not the message's {@link io.ringkernel.layout.Key}, or it names no
 * reply topic. The record goes to the dead-letter topic with this exception in its headers, and
 * counts as handled.
 */
public final class InvalidRequestRecordException extends RingKernelException {

    private static final long serialVersionUID = 1L;

    public InvalidRequestRecordException(String message) {
        super(message);
    }

    public InvalidRequestRecordException(String message, Throwable cause) {
        super(message, cause);
    }
}
