package io.ringkernel.ring;

import java.time.Duration;

import io.ringkernel.DeviceBuffer;
import io.ringkernel.layout.BufferHandle;
import io.ringkernel.memory.MemoryRegion;

/**
 * The backend-specific half of a ring kernel: allocates the shared memory, runs the loop that
 * consumes the request ring and produces the response ring (a Java thread on the CPU backend, a
 * persistent kernel on CUDA), and tears it down. The host half, shared by all backends, is
 * {@link HostRingKernel}.
 *
 * <p>Thread-safety: lifecycle methods are called by {@link HostRingKernel} under its lifecycle
 * lock; {@link #allocateBuffer} and {@link #resolveBuffer} may be called from any thread.
 * <b>Native memory</b>: everything allocated through the engine is the engine's and is freed by
 * {@link #close()}.
 */
public interface KernelEngine extends AutoCloseable {

    /** Allocates zeroed memory that host and kernel both see, 128-byte aligned. Freed by {@link #close()}. */
    MemoryRegion allocateShared(long bytes);

    /** Starts the loop, which must obey the control block's run state from its first pass. */
    void start(KernelChannel channel);

    /** Nudges a loop that may be parked to re-read the control block now. */
    void wake();

    /**
     * Whether a caller blocked on a reply should take it from the reply ring itself. True where a
     * device writes the replies and a host thread of the engine picks them up (CUDA): the caller
     * then saves that thread's hand-off, and the engine stands back while callers wait
     * ({@link KernelChannel#callersWaiting()}). False (the default) where the engine's own thread
     * completes each future as it answers (CPU).
     */
    default boolean callersTakeReplies() {
        return false;
    }

    /**
     * How the kernel's rings lay out their slots: {@link SlotFormat#TAGGED} (the default) where a
     * device reads them across PCIe, {@link SlotFormat#COMPACT} where a thread of this machine does.
     */
    default SlotFormat slotFormat() {
        return SlotFormat.TAGGED;
    }

    /**
     * Waits for the loop to exit after {@link ControlBlock#TERMINATE} (or {@link ControlBlock#ABANDON}) was set.
     *
     * @return whether it exited within the timeout
     */
    boolean awaitExit(Duration timeout);

    /** Tears the loop down without its cooperation (after {@link #awaitExit} timed out, or on failure). */
    void forceStop();

    /** Allocates a payload buffer on the engine's device. */
    DeviceBuffer allocateBuffer(long bytes);

    /**
     * The host-accessible memory of a live buffer.
     *
     * @throws IllegalArgumentException if the handle is not a live buffer of this engine, or is device-only
     */
    MemoryRegion resolveBuffer(BufferHandle handle);

    /** Frees all native memory of this engine (rings, control block, buffers). Idempotent. */
    @Override
    void close();
}
