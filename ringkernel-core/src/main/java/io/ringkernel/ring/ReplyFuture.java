package io.ringkernel.ring;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * The future returned by {@code send}: {@link #join()} and {@link #get()} first spin for the
 * kernel's reply-spin time, helping drain the response ring, and only then park. Parking and
 * unparking cost microseconds, more than a CPU or GPU round trip, so this keeps {@code send().join()}
 * at ring latency. Dependent stages are plain {@link CompletableFuture}s.
 *
 * @param <O> response type
 */
final class ReplyFuture<O> extends CompletableFuture<O> {

    private final HostRingKernel<?, O> kernel;

    ReplyFuture(HostRingKernel<?, O> kernel) {
        this.kernel = kernel;
    }

    @Override
    public O join() {
        if (!isDone()) {
            kernel.awaitReply(this);
        }
        return super.join();
    }

    @Override
    public O get() throws InterruptedException, ExecutionException {
        if (!isDone()) {
            kernel.awaitReply(this);
        }
        return super.get();
    }

    @Override
    public <U> CompletableFuture<U> newIncompleteFuture() {
        return new CompletableFuture<>();
    }
}
