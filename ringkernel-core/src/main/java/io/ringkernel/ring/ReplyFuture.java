package io.ringkernel.ring;

/**
 * The future returned by {@code send}: {@link #join()} and {@link #get()} first spin for the
 * kernel's reply-spin time, helping drain the response ring, and only then park.
 *
 * @param <O> response type
 */
final class ReplyFuture<O> extends HelpingFuture<O> implements ReplyTarget<O> {

    private final HostRingKernel<?, O> kernel;

    ReplyFuture(HostRingKernel<?, O> kernel) {
        this.kernel = kernel;
    }

    /** A future stands for one message, so it ignores the index (that of a batch's message). */
    @Override
    public void completeReply(int index, O reply) {
        complete(reply);
    }

    @Override
    public void failReply(int index, Throwable cause) {
        completeExceptionally(cause);
    }

    @Override
    void help() {
        kernel.awaitReply(this);
    }
}
