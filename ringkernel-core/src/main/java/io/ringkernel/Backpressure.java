package io.ringkernel;

/** What a send does when the request ring is full. */
public enum Backpressure {
    /** Wait for room up to the kernel's block timeout, then fail with {@link MessageRejectedException}. */
    BLOCK,
    /** Fail at once with {@link MessageRejectedException}; counted as rejected. */
    REJECT,
    /**
     * Drop the new message; counted as dropped. {@code tell} returns {@code false}; {@code send}
     * returns a future failed with {@link MessageRejectedException}. A dropped message was never
     * accepted, so nothing accepted is ever lost.
     */
    DROP_NEWEST
}
