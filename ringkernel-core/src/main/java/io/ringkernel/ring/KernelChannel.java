package io.ringkernel.ring;

import io.ringkernel.RingKernelDefinition;

/**
 * What an engine's loop is given: the kernel definition, the two rings, the control block, and
 * call-backs into the host half.
 *
 * <p>Thread-safety: the rings and control block follow their own protocols; the call-backs are
 * thread-safe.
 */
public interface KernelChannel {

    RingKernelDefinition<?, ?> definition();

    MessageRing requests();

    MessageRing responses();

    ControlBlock control();

    /**
     * Dispatches published replies to their futures if no other thread is doing so. For the
     * engine's own threads only, which must have stopped before the engine's memory is freed.
     *
     * @return replies dispatched
     */
    int drainReplies(int limit);

    /**
     * Whether callers are spinning on replies and taking them from the ring themselves (see
     * {@link KernelEngine#callersTakeReplies()}); an engine thread that picks up replies may then
     * stand back instead of racing them for each reply.
     */
    boolean callersWaiting();

    /** The routes of the network the kernel belongs to ({@link KernelRoutes}), or {@code null} if it belongs to none. */
    KernelRoutes routes();

    /**
     * Records why the handler failed on the request with this correlation id and origin (see
     * {@link MessageRing#ORIGIN_SHIFT}), before its error reply is published.
     */
    void handlerFailed(long correlation, int origin, Throwable cause, boolean replyExpected);

    /** Records why the handler failed on the request with this correlation id, before its error reply is published. */
    void handlerFailed(long correlation, Throwable cause, boolean replyExpected);

    /** Reports that the loop died; the kernel goes to FAILED and all pending futures fail with the cause. */
    void engineFailed(Throwable cause);
}
