package io.ringkernel.ring;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * A future whose {@link #join()} and {@link #get()} first help the kernel dispatch its replies
 * ({@link #help()}), and only then block as a plain future does. Parking and unparking cost
 * microseconds, more than a CPU or GPU round trip, so waiting this way keeps a wait at ring latency.
 * Dependent stages are plain {@link CompletableFuture}s.
 *
 * @param <T> result type
 */
abstract class HelpingFuture<T> extends CompletableFuture<T> {

    /** Helps dispatch replies until this future is done or helping stops paying off. */
    abstract void help();

    @Override
    public T join() {
        if (!isDone()) {
            help();
        }
        return super.join();
    }

    @Override
    public T get() throws InterruptedException, ExecutionException {
        if (!isDone()) {
            help();
        }
        return super.get();
    }

    @Override
    public <U> CompletableFuture<U> newIncompleteFuture() {
        return new CompletableFuture<>();
    }
}
