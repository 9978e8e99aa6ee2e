package io.ringkernel;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import io.ringkernel.telemetry.KernelTelemetry;

/**
 * A handle to one ring kernel: a persistent loop (a GPU kernel or a CPU thread) that takes requests
 * from a ring in shared memory and answers through a response ring.
 *
 * <p><b>Sending.</b> {@link #send} returns a future completed with the reply (or exceptionally
 * with the cause); {@link #tell} sends one-way; {@link #sendBatch}/{@link #tellBatch} claim ring
 * space once for many messages; {@link #trySend}/{@link #tryTell} never wait; {@link #claim} and
 * {@link #commit} write one-way messages straight into a slot through a reusable
 * {@link MessageFlyweight} without allocating. When the ring is full the kernel's
 * {@link Backpressure} decides. Invalid messages (null, wrong array length) throw before anything
 * is claimed, so they never disturb messages already accepted.
 *
 * <p><b>Lifecycle.</b> {@link #launch}, {@link #activate}, {@link #deactivate},
 * {@link #terminate(Duration)}, {@link #close}; see {@link KernelState}. An illegal transition
 * throws {@link IllegalStateException} naming the current state. Every accepted message ends with
 * its future completed, normally or exceptionally with a clear cause.
 *
 * <p><b>Thread-safety.</b> All methods may be called from any thread; sends are multi-producer.
 * <b>Native memory</b>: the rings, control block and buffers belong to the kernel and are freed by
 * {@link #close()}, on every path, including failure.
 *
 * @param <I> request record
 * @param <O> response record
 */
public interface RingKernel<I, O> extends AutoCloseable {

    /** The kernel's id. */
    String id();

    /** The name of the backend running it ({@code cpu}, {@code cuda}). */
    String backend();

    /** The device it runs on (a GPU name, or the CPU). */
    String device();

    /** Current lifecycle state. */
    KernelState state();

    /** Allocates rings and control block and starts the loop, inactive. CREATED → LAUNCHED. */
    void launch();

    /** Starts processing. LAUNCHED or INACTIVE → ACTIVE. */
    void activate();

    /** Pauses processing; queued messages stay queued. ACTIVE → INACTIVE. */
    void deactivate();

    /**
     * Stops accepting messages, lets an active kernel drain what it accepted for up to
     * {@code timeout}, then stops the loop. Messages still unanswered then fail with
     * {@link KernelTerminatedException}. Idempotent once TERMINATED.
     *
     * @return whether everything accepted was answered within the timeout
     * @throws IllegalArgumentException if {@code timeout} is negative or longer than
     *         {@link RingKernelDefinition#MAX_TIMEOUT}; the kernel is then unchanged
     */
    boolean terminate(Duration timeout);

    /** Terminates (with the kernel's shutdown timeout) if running, then frees native memory. Idempotent. */
    @Override
    void close();

    /**
     * Sends a request and returns a future for the reply. The future's {@code join()}/{@code get()}
     * spin briefly and help drain replies before parking, for low round-trip latency.
     *
     * @throws NullPointerException if {@code message} is null
     * @throws IllegalArgumentException if the message does not fit its layout
     * @throws IllegalStateException if the kernel does not accept messages in its state
     * @throws MessageRejectedException if the ring is full and the policy is REJECT or the BLOCK timeout passed
     */
    CompletableFuture<O> send(I message);

    /**
     * Sends a one-way message; a handler failure is counted in telemetry.
     *
     * @return {@code true} if accepted, {@code false} if dropped under {@link Backpressure#DROP_NEWEST}
     */
    boolean tell(I message);

    /**
     * Sends all messages, claiming ring space in as few steps as possible. One future per message, in
     * order; a message the ring refuses under the backpressure policy, or that the kernel no longer
     * takes because it stopped while the batch waited for room ({@link KernelTerminatedException}),
     * gets a failed future.
     */
    List<CompletableFuture<O>> sendBatch(List<? extends I> messages);

    /**
     * Sends all messages as requests and passes each reply to {@code replies} instead of completing
     * a future per message: the request/response path for throughput. Claims ring space in as few
     * steps as possible and returns once every message is in the ring (waiting for room per the
     * backpressure policy); the replies come later, on the thread that dispatches the kernel's
     * replies ({@link ReplyHandler} says which).
     *
     * <p>Every message is reported exactly once: with its reply, or with why it failed. Messages the
     * ring refuses under the policy are reported at once, on this thread, with a
     * {@link MessageRejectedException}; messages pending when the kernel stops or fails, and those it
     * no longer takes because it stopped while the batch waited for room, with a
     * {@link KernelTerminatedException}.
     *
     * @return a future that completes after the last report has returned: normally, or with the first
     *         exception {@code replies} threw. Its {@code join()}/{@code get()} help dispatch replies
     *         while they keep coming, then park.
     * @throws NullPointerException if {@code messages}, one of them, or {@code replies} is null
     * @throws IllegalArgumentException if a message does not fit its layout (nothing is sent)
     * @throws IllegalStateException if the kernel does not accept messages in its state
     */
    CompletableFuture<Void> sendBatch(List<? extends I> messages, ReplyHandler<? super O> replies);

    /** One-way batch; returns how many were accepted (the rest were dropped, per policy). */
    int tellBatch(List<? extends I> messages);

    /** Sends if there is room now, whatever the policy; returns {@code null} if the ring is full. */
    CompletableFuture<O> trySend(I message);

    /** One-way send if there is room now; returns {@code false} if the ring is full. */
    boolean tryTell(I message);

    /** A flyweight for {@link #claim}/{@link #commit}; one per producer thread, reusable. */
    MessageFlyweight newFlyweight();

    /**
     * Claims one slot for a one-way message and positions {@code flyweight} on it. The caller must
     * then {@link #commit} or {@link #abort} it, on every path. Follows the backpressure policy.
     *
     * @return {@code false} if the ring was full under {@link Backpressure#DROP_NEWEST} (counted as dropped)
     * @throws IllegalStateException if {@code flyweight} already holds claimed slots, or the kernel does
     *         not accept messages in its state
     * @throws MessageRejectedException if the ring is full and the policy is REJECT or the BLOCK timeout passed
     */
    boolean claim(MessageFlyweight flyweight);

    /**
     * Claims up to {@code messages} consecutive slots for one-way messages and positions
     * {@code flyweight} on the first; {@link MessageFlyweight#next()} moves to the following one.
     * {@link #commit} publishes them all, {@link #abort} gives them all back. Takes as many as there is
     * room for now and the flyweight holds ({@link MessageFlyweight#maxRun()}), at least one (waiting
     * for room per the backpressure policy, like {@link #claim}): the batch path without records,
     * where {@link #tellBatch} encodes each message from one.
     *
     * @return how many slots were claimed, 1 to {@code messages}; {@code 0} if the ring was full under
     *         {@link Backpressure#DROP_NEWEST} (one message counted as dropped)
     * @throws IllegalArgumentException if {@code messages} is less than 1
     * @throws IllegalStateException as {@link #claim(MessageFlyweight)}
     * @throws MessageRejectedException as {@link #claim(MessageFlyweight)}
     */
    int claim(MessageFlyweight flyweight, int messages);

    /** Publishes the messages written through {@code flyweight}: every slot it holds, in order. */
    void commit(MessageFlyweight flyweight);

    /** Gives the slots {@code flyweight} holds back unpublished; the kernel skips them. */
    void abort(MessageFlyweight flyweight);

    /**
     * Allocates a buffer for payloads too large to inline (device memory on CUDA, off-heap on CPU).
     * Freed by {@link DeviceBuffer#close()} or, at the latest, by the kernel's {@link #close()}.
     */
    DeviceBuffer allocateBuffer(long bytes);

    /** A snapshot of the kernel's counters, queue depths and latency. Never waits on the device. */
    KernelTelemetry telemetry();
}
