package io.ringkernel;

/**
 * Lifecycle state of a {@link RingKernel}.
 *
 * <pre>
 * CREATED --launch--> LAUNCHED --activate--> ACTIVE <--deactivate/activate--> INACTIVE
 * LAUNCHED | ACTIVE | INACTIVE --terminate--> TERMINATED --close--> DISPOSED
 * LAUNCHED | ACTIVE | INACTIVE --fault--> FAILED --close--> DISPOSED
 * </pre>
 * Messages are accepted in LAUNCHED, ACTIVE and INACTIVE; only ACTIVE kernels process them.
 */
public enum KernelState {
    /** Defined, no native resources yet. */
    CREATED,
    /** Rings allocated and the loop running, but idle: messages queue up. */
    LAUNCHED,
    /** Processing messages. */
    ACTIVE,
    /** Paused: the loop idles without consuming; queued messages stay queued. */
    INACTIVE,
    /** The loop has stopped; no messages are accepted. Native resources are still held. */
    TERMINATED,
    /** The loop died (handler trap, illegal address, stalled heartbeat, backend failure). */
    FAILED,
    /** Native resources released. Final. */
    DISPOSED;

    /** Whether messages may be sent in this state. */
    public boolean acceptsMessages() {
        return this == LAUNCHED || this == ACTIVE || this == INACTIVE;
    }

    /** Whether the kernel's loop is alive in this state. */
    public boolean isRunning() {
        return acceptsMessages();
    }
}
