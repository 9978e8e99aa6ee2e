package io.ringkernel;

/**
 * Receives the replies of a batch sent with {@link RingKernel#sendBatch(java.util.List, ReplyHandler)}:
 * the request/response path without a future per message, for throughput.
 *
 * <p>Called once per message of the batch, in the order the replies arrive (not necessarily the
 * order sent). Replies come on whichever thread dispatches the kernel's replies (the backend's own
 * thread, or a thread waiting on the batch), one at a time; failures may come at the same time from
 * another thread (a refusal on the sending thread, a stop on the thread that saw it), so a handler
 * that keeps state across calls must be thread-safe. It must not block, and it must not wait on a
 * reply of the same kernel (it would wait on itself).
 *
 * @param <O> response record
 */
@FunctionalInterface
public interface ReplyHandler<O> {

    /**
     * @param index the message's position in the list passed to {@code sendBatch}
     * @param reply the reply, or {@code null} when the message failed
     * @param failure why the message failed (the handler threw, the kernel stopped or failed, the
     *        ring refused it under the backpressure policy), or {@code null} with a reply
     */
    void onReply(int index, O reply, Throwable failure);
}
