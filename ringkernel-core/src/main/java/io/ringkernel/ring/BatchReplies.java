package io.ringkernel.ring;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import io.ringkernel.ReplyHandler;

/**
 * One batch of {@code sendBatch(messages, handler)}: a single reply-table target for all its
 * messages, which passes each reply to the user's {@link ReplyHandler} and completes, as the future
 * the caller holds, once every message has been reported. One object per batch instead of a future
 * per message is what makes this the throughput path.
 *
 * <p>{@link #join()} and {@link #get()} help dispatch replies while they keep coming, then park.
 * A handler that throws does not stop the dispatching thread: the batch completes exceptionally
 * with the first such exception, after every message has been reported.
 *
 * <p>Thread-safety: reports may come from several threads (the reply dispatcher, a thread that sees
 * the kernel stop); the count of reports is atomic.
 *
 * @param <O> response record
 */
final class BatchReplies<O> extends HelpingFuture<Void> implements ReplyTarget<O> {

    private final HostRingKernel<?, O> kernel;
    private final ReplyHandler<? super O> handler;
    private final AtomicInteger remaining;
    private final AtomicReference<Throwable> handlerFailure = new AtomicReference<>();

    BatchReplies(HostRingKernel<?, O> kernel, ReplyHandler<? super O> handler, int messages) {
        this.kernel = kernel;
        this.handler = handler;
        this.remaining = new AtomicInteger(messages);
        if (messages == 0) {
            complete(null);
        }
    }

    @Override
    public void completeReply(int index, O reply) {
        report(index, reply, null);
    }

    @Override
    public void failReply(int index, Throwable cause) {
        report(index, null, cause);
    }

    private void report(int index, O reply, Throwable failure) {
        try {
            handler.onReply(index, reply, failure);
        } catch (Throwable t) {
            handlerFailure.compareAndSet(null, t);
        }
        if (remaining.decrementAndGet() == 0) {
            Throwable t = handlerFailure.get();
            if (t == null) {
                complete(null);
            } else {
                completeExceptionally(t);
            }
        }
    }

    @Override
    void help() {
        kernel.awaitBatch(this);
    }
}
