package io.ringkernel.ring;

import io.ringkernel.memory.MemoryRegion;

/**
 * The per-kernel control block in shared memory: the host's commands on one cache line, the
 * kernel's reports on another, so neither side's writes invalidate the line the other writes.
 *
 * <pre>
 *   0    run command   host → kernel: {@code (epoch << 8) | state}, state one of {@link #INACTIVE},
 *                      {@link #ACTIVE}, {@link #TERMINATE}, {@link #ABANDON}; the epoch grows with
 *                      every command
 *   128  exited        kernel → host: 1 once the loop has returned
 *   136  consumed      sequences fully handled (reply published), including skipped slots
 *   144  heartbeat     loop passes, incremented at least every idle period
 *   152  failed        messages whose handler failed
 *   160  error code    last kernel-side error code (0 = none)
 *   168  error seq     sequence of the message that caused it
 *   176  seen command  the run command the loop acted on last, copied at the start of each pass,
 *                      so the host knows when a command (a deactivation) has taken effect
 *   184  link consumed messages from other kernels handled through device-resident rings (CUDA
 *                      networks; on the CPU they arrive through the request ring and count in consumed)
 * </pre>
 * The CUDA runtime declares the same offsets in its C header.
 *
 * <p>Thread-safety: host fields are written by the host under the kernel's lifecycle lock;
 * kernel fields by the kernel loop only; every field is read with acquire.
 */
public final class ControlBlock {

    public static final long INACTIVE = 0;
    public static final long ACTIVE = 1;
    public static final long TERMINATE = 2;
    /**
     * A {@link #TERMINATE} the host has stopped waiting for: the loop gives up what cannot finish
     * (on CUDA, a reply for which the host's ring has no room, the rest of a closing drain) and
     * leaves, instead of the host tearing it down.
     */
    public static final long ABANDON = 3;

    static final int RUN_STATE = 0;
    static final int EXITED = 128;
    static final int CONSUMED = 136;
    static final int HEARTBEAT = 144;
    static final int FAILED = 152;
    static final int ERROR_CODE = 160;
    static final int ERROR_SEQUENCE = 168;
    static final int SEEN_STATE = 176;
    static final int LINK_CONSUMED = 184;

    /** Bytes of shared memory a control block needs. */
    public static final int BYTES = 256;

    private final MemoryRegion region;
    private long epoch;

    public ControlBlock(MemoryRegion region) {
        if (region.length() < BYTES) {
            throw new IllegalArgumentException("control block needs " + BYTES + " bytes");
        }
        this.region = region;
    }

    public MemoryRegion region() {
        return region;
    }

    /**
     * Host: commands a run state; sequentially consistent so a spinning kernel sees it promptly.
     *
     * @return the command word, to compare with {@link #seenCommand()}
     */
    public synchronized long runState(long state) {
        long command = (++epoch << 8) | state;
        region.putLongVolatile(RUN_STATE, command);
        return command;
    }

    /** The commanded run state (low byte of the command). */
    public long runState() {
        return region.getLongAcquire(RUN_STATE) & 0xFF;
    }

    /** The full run command. */
    public long runCommand() {
        return region.getLongAcquire(RUN_STATE);
    }

    public boolean exited() {
        return region.getLongAcquire(EXITED) != 0;
    }

    /** Kernel: the loop has returned. */
    public void markExited() {
        region.putLongVolatile(EXITED, 1);
    }

    public long consumed() {
        return region.getLongAcquire(CONSUMED);
    }

    /** Kernel: every sequence before {@code next} is handled and its reply published. */
    public void consumed(long next) {
        region.putLongRelease(CONSUMED, next);
    }

    /** Messages handled that came from other kernels through device-resident rings. */
    public long linkConsumed() {
        return region.getLongAcquire(LINK_CONSUMED);
    }

    public long heartbeat() {
        return region.getLongAcquire(HEARTBEAT);
    }

    /** Kernel: proves the loop is alive. */
    public void heartbeat(long beat) {
        region.putLongRelease(HEARTBEAT, beat);
    }

    /** The run command the loop last acted on. */
    public long seenCommand() {
        return region.getLongAcquire(SEEN_STATE);
    }

    /** Kernel: acknowledges the run command it is acting on. */
    public void seenCommand(long command) {
        region.putLongRelease(SEEN_STATE, command);
    }

    public long failed() {
        return region.getLongAcquire(FAILED);
    }

    /** Kernel: count of failed handler calls. */
    public void failed(long count) {
        region.putLongRelease(FAILED, count);
    }

    public long errorCode() {
        return region.getLongAcquire(ERROR_CODE);
    }

    public long errorSequence() {
        return region.getLongAcquire(ERROR_SEQUENCE);
    }

    /** Kernel: records the last error. */
    public void error(long code, long sequence) {
        region.putLongRelease(ERROR_SEQUENCE, sequence);
        region.putLongRelease(ERROR_CODE, code);
    }
}
