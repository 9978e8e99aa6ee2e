package io.ringkernel.ring;

/**
 * What waits in a session's reply table for the reply to one request: a {@link ReplyFuture}, or a
 * message of a {@link BatchReplies}. The table's {@code getAndSet(null)} hands each entry to exactly
 * one thread, which calls exactly one of these methods for it.
 *
 * @param <O> response record
 */
interface ReplyTarget<O> {

    /** The request at {@code index} (its position in a batch; 0 for a single send) was answered. */
    void completeReply(int index, O reply);

    /** The request at {@code index} failed. */
    void failReply(int index, Throwable cause);
}
