package io.ringkernel.ring;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/** 128 bytes before the fields: HotSpot lays out a superclass's fields before its subclass's. */
abstract class DrainFlagLeftPad {
    long p00, p01, p02, p03, p04, p05, p06, p07, p08, p09, p10, p11, p12, p13, p14, p15;
}

/** The fields of {@link DrainFlag}. */
abstract class DrainFlagFields extends DrainFlagLeftPad {
    volatile Thread holder;
    long completed;
}

/**
 * The right to dispatch a session's replies, and the count of replies its holders completed, on
 * cache lines of their own (padding as in JCTools and the Disruptor). Whoever dispatches writes
 * both for every reply; sharing a line with what producers touch for every send (the session's
 * state flags, a counter they increment: small objects allocated one after the other share lines)
 * would take that line from the producer's core twice per round trip.
 *
 * <p>Thread-safety: any thread may try to take the flag; only the holder releases it and counts.
 * The flag's acquire and release order one holder's count after the previous holder's.
 */
final class DrainFlag extends DrainFlagFields {

    private static final VarHandle HOLDER;
    private static final VarHandle COMPLETED;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            HOLDER = lookup.findVarHandle(DrainFlagFields.class, "holder", Thread.class);
            COMPLETED = lookup.findVarHandle(DrainFlagFields.class, "completed", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** 128 bytes after the fields. */
    long q00, q01, q02, q03, q04, q05, q06, q07, q08, q09, q10, q11, q12, q13, q14, q15;

    /** Whether some thread holds the flag now (a plain volatile read, to skip a doomed CAS). */
    boolean isHeld() {
        return holder != null;
    }

    /** Whether {@code thread} holds the flag now. */
    boolean isHeldBy(Thread thread) {
        return holder == thread;
    }

    /** Takes the flag for the calling thread if nobody holds it (CAS: acquire and release). */
    boolean tryAcquire() {
        return HOLDER.compareAndSet(this, (Thread) null, Thread.currentThread());
    }

    /** Gives the flag back (release): the holder's count and dispatches happen before the next holder's. */
    void release() {
        HOLDER.setRelease(this, (Thread) null);
    }

    /** Counts one completed reply; holder only. */
    void countCompleted() {
        COMPLETED.setOpaque(this, completed + 1);
    }

    /** Replies completed so far, as of a recent count (opaque read, for telemetry). */
    long completed() {
        return (long) COMPLETED.getOpaque(this);
    }
}
