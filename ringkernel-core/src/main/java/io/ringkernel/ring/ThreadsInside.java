package io.ringkernel.ring;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * How many threads are inside a launch's memory now, for {@code HostRingKernel}'s sessions: every
 * send enters and leaves, and closing waits for the count to reach zero before the memory is freed.
 *
 * <p>Striped like a {@code LongAdder}, so senders on different threads do not contend for one cache
 * line, but each thread always counts on the same stripe (picked from its id, never rehashed): its
 * increment and its decrement land on one counter, so while a thread is inside its stripe is at
 * least one, and a sum read stripe by stripe cannot miss it. A {@code LongAdder} moves a thread to
 * another cell under contention, and its sum could then read zero with a thread inside.
 *
 * <p>Thread-safety: thread-safe.
 */
final class ThreadsInside {

    private static final int STRIPES = 32;
    /** Longs per stripe: each stripe on 128 bytes of its own, against false sharing between them. */
    private static final int PAD = 16;

    private final AtomicLongArray counts = new AtomicLongArray(STRIPES * PAD);

    /** Counts the calling thread in. */
    void enter() {
        counts.getAndIncrement(stripe());
    }

    /** Counts the calling thread out; only after its {@link #enter()}. */
    void leave() {
        counts.getAndDecrement(stripe());
    }

    /** Whether no thread is inside: exact for threads that entered before the call and are still inside. */
    boolean none() {
        for (int i = 0; i < STRIPES; i++) {
            if (counts.get(i * PAD) != 0) {
                return false;
            }
        }
        return true;
    }

    @SuppressWarnings("deprecation") // Thread.threadId() is Java 19+; the id is only hashed here
    private static int stripe() {
        long id = Thread.currentThread().getId();
        return (int) ((id * 0x9E37_79B9_7F4A_7C15L) >>> 59) * PAD;
    }
}
