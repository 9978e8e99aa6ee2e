package io.ringkernel.ring;

import java.util.concurrent.atomic.LongAdder;

/**
 * Counts the threads inside code that uses memory another thread may free, so that the freeing
 * thread can wait until none is: a thread calls {@link #enter()}, then checks a volatile "live" flag
 * and leaves at once if it is cleared; the freeing thread clears the flag, then waits until
 * {@link #anyInside()} is false.
 *
 * <p>Why two counters and not one that goes up and down: a {@link LongAdder}'s sum is not a snapshot,
 * and a thread's increment and decrement can land in different cells under contention, so with three
 * or more threads entering and leaving, one adder's sum can read 0 while a thread is inside. Here each
 * adder only grows, so a sum read over time is at least the count when the read began and at most the
 * count when it ended; reading the exits completely before the entries gives
 * {@code entries - exits >= threads inside at the moment between the two reads}. Both are striped, so
 * concurrent senders do not contend on one line.
 *
 * <p>Thread-safety: all methods are safe from any thread; every call is a volatile access, which is
 * what orders {@link #enter()} against the freeing thread's flag.
 */
public final class ThreadsInside {

    private final LongAdder entries = new LongAdder();
    private final LongAdder exits = new LongAdder();

    /** Counts the calling thread in, before it checks whether it may use the memory. */
    public void enter() {
        entries.increment();
    }

    /** Counts the calling thread out, after its last access to the memory (or after a refused entry). */
    public void leave() {
        exits.increment();
    }

    /**
     * Whether a thread may be inside: false only if no thread was inside at some moment during this
     * call. A thread that enters and leaves during it can make it answer true; ask again.
     */
    public boolean anyInside() {
        long out = exits.sum();
        return entries.sum() != out;
    }
}
