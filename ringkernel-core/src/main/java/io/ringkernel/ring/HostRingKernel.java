package io.ringkernel.ring;

import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.HdrHistogram.SingleWriterRecorder;

import io.ringkernel.Backpressure;
import io.ringkernel.DeviceBuffer;
import io.ringkernel.KernelFailedException;
import io.ringkernel.KernelState;
import io.ringkernel.KernelTerminatedException;
import io.ringkernel.MessageFlyweight;
import io.ringkernel.MessageRejectedException;
import io.ringkernel.ReplyHandler;
import io.ringkernel.RingKernel;
import io.ringkernel.RingKernelDefinition;
import io.ringkernel.layout.MessageLayout;
import io.ringkernel.telemetry.KernelTelemetry;
import io.ringkernel.telemetry.LatencySnapshot;

/**
 * The host half of every ring kernel, whatever the backend: lifecycle state machine, encoding and
 * claiming on the send side, dispatching replies to futures, backpressure, and telemetry. The
 * backend supplies a {@link KernelEngine} per launch.
 *
 * <p>Every launch gets a fresh {@link Session} (rings, control block, pending-reply table). Threads
 * that touch a session's native memory {@linkplain Session#enter() enter} it first, so
 * {@link #close()} frees the memory only after every such thread has left: a send racing with
 * close fails cleanly instead of writing into freed memory.
 *
 * <p>Pending replies live in a table of {@code 2 × capacity} entries indexed by correlation id (the
 * request's ring sequence). A sequence is claimed only once its entry is free, so the table never
 * overflows; entries are taken with {@code getAndSet(null)}, so each future completes exactly once
 * whoever (reply, termination sweep, failure) gets there first.
 *
 * <p>Thread-safety: fully thread-safe; lifecycle methods serialise on one lock.
 *
 * @param <I> request record
 * @param <O> response record
 */
public final class HostRingKernel<I, O> implements RingKernel<I, O> {

    /** Replies of a burst per read of the latency clock (a power of two). */
    private static final int CLOCK_EVERY = 16;
    /** How long a telemetry read retries while a launch is being retired. */
    private static final long RETIREMENT_WAIT_NANOS = 100_000_000L;
    /** How long a loop told to {@link ControlBlock#ABANDON} may take to leave before it is torn down. */
    private static final Duration ABANDON_GRACE = Duration.ofMillis(200);
    /** A reply-table entry whose report is under way (Session#take): neither free nor another reporter's. */
    private static final ReplyTarget<Object> TAKEN = new ReplyTarget<>() {
        @Override
        public void completeReply(int index, Object reply) {
            throw new IllegalStateException("the taken marker is never reported to");
        }

        @Override
        public void failReply(int index, Throwable cause) {
            throw new IllegalStateException("the taken marker is never reported to");
        }
    };
    /** Layout of a reply-table entry in {@code Session.entries}. */
    private static final int ENTRY_WORDS = 4;
    private static final int SENT = 0;
    private static final int CORRELATION = 1;
    private static final int INDEX = 2;
    private static final ThreadLocal<ByteBuffer[]> SCRATCH = ThreadLocal.withInitial(() -> new ByteBuffer[1]);
    /** Where a flyweight's run claim learns its first sequence, so that claiming allocates nothing. */
    private static final ThreadLocal<long[]> CLAIMED_RUN = ThreadLocal.withInitial(() -> new long[1]);
    private static final AtomicInteger[] NO_COUNTS = {};

    private final RingKernelDefinition<I, O> definition;
    private final MessageLayout<I> requestLayout;
    private final MessageLayout<O> responseLayout;
    private final String backend;
    private final String device;
    private final Supplier<KernelEngine> engines;
    private final int requestChunks;
    private final int requestStride;
    private final ReentrantLock lifecycle = new ReentrantLock();

    private final LongAdder accepted = new LongAdder();
    private final LongAdder completed = new LongAdder();
    private final LongAdder failedOnHost = new LongAdder();
    private final LongAdder rejected = new LongAdder();
    private final LongAdder dropped = new LongAdder();
    /**
     * Latency of the replies this kernel's own drain dispatches: one thread at a time (the drain
     * flag hands it over), so a single-writer recorder, a third of the cost of a concurrent one.
     */
    private final SingleWriterRecorder drainedLatency = new SingleWriterRecorder(3);
    /** Latency of the replies to this kernel's callers that other kernels' drains dispatch (networks). */
    private final Recorder forwardedLatency = new Recorder(3);
    private final Histogram latency = new Histogram(3);
    private Histogram drainedInterval;
    private Histogram forwardedInterval;

    private volatile Runnable onDisposed = () -> { };
    /** Set once, before launch, when the kernel joins a network ({@link KernelRoutes#wire}). */
    private volatile KernelRoutes routes;
    /** Sessions launched so far; a session's number tells its forwarded replies from an earlier one's. */
    private int launches;
    private volatile KernelState state = KernelState.CREATED;
    private volatile Session session;
    private volatile String lastError;
    /** Totals of the launches before the current one; written when a launch is retired. */
    private volatile long processedBefore;
    private volatile long failedOnDeviceBefore;
    private volatile long completedBefore;
    /**
     * Retirements of a launch begun plus ended, so odd while one runs: a telemetry read that saw it
     * change reads again, since it may have counted the retiring launch twice (in its totals and in
     * the totals before) or not at all (between its memory's release and the totals' update).
     */
    private volatile long retirements;
    private long lastBeat = Long.MIN_VALUE;
    private long lastBeatSeenNanos;

    /**
     * @param definition the kernel definition
     * @param backend backend name for telemetry
     * @param device device name for telemetry
     * @param engines makes a fresh engine per launch
     */
    public HostRingKernel(RingKernelDefinition<I, O> definition, String backend, String device,
            Supplier<KernelEngine> engines) {
        this.definition = Objects.requireNonNull(definition, "definition");
        this.requestLayout = definition.requestLayout();
        this.responseLayout = definition.responseLayout();
        this.backend = backend;
        this.device = device;
        this.engines = engines;
        this.requestChunks = (requestLayout.size() + 3) / 4;
        this.requestStride = requestChunks * 4;
    }

    @Override
    public String id() {
        return definition.id();
    }

    @Override
    public String backend() {
        return backend;
    }

    @Override
    public String device() {
        return device;
    }

    @Override
    public KernelState state() {
        return state;
    }

    /**
     * Registers what to run once the kernel is disposed, for example a backend forgetting it; runs
     * at most once, on the thread that closes the kernel.
     */
    public void onDisposed(Runnable action) {
        this.onDisposed = Objects.requireNonNull(action, "action");
    }

    /** The definition this kernel was created from. */
    public RingKernelDefinition<I, O> definition() {
        return definition;
    }

    // ---------------------------------------------------------------- lifecycle

    @Override
    public void launch() {
        refuseInsideReplyCallback("launch");
        lifecycle.lock();
        try {
            KernelState s = state;
            if (s != KernelState.CREATED && s != KernelState.TERMINATED && s != KernelState.FAILED) {
                throw illegal("launch", s);
            }
            retireSession();
            Session next = new Session(engines.get(), ++launches & KernelRoutes.EPOCH_MASK);
            try {
                next.allocate();
                // Published before the loop starts, so a loop that dies at once is reported against this session.
                session = next;
                next.engine.start(next);
            } catch (RuntimeException | Error e) {
                session = null;
                next.free();
                throw e;
            }
            settle(next, KernelState.LAUNCHED);
        } finally {
            lifecycle.unlock();
        }
    }

    @Override
    public void activate() {
        lifecycle.lock();
        try {
            KernelState s = state;
            if (s != KernelState.LAUNCHED && s != KernelState.INACTIVE) {
                throw illegal("activate", s);
            }
            session.control.runState(ControlBlock.ACTIVE);
            session.engine.wake();
            settle(session, KernelState.ACTIVE);
        } finally {
            lifecycle.unlock();
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>Returns once the loop has acknowledged the pause (or after the shutdown timeout, noted as
     * the last error): no message is consumed after {@code deactivate()} returns.
     */
    @Override
    public void deactivate() {
        refuseInsideReplyCallback("deactivate");
        lifecycle.lock();
        try {
            KernelState s = state;
            if (s != KernelState.ACTIVE) {
                throw illegal("deactivate", s);
            }
            Session current = session;
            long command = current.control.runState(ControlBlock.INACTIVE);
            current.engine.wake();
            awaitSeen(current, command);
            settle(current, KernelState.INACTIVE);
        } finally {
            lifecycle.unlock();
        }
    }

    /**
     * Moves to {@code next} unless the session's loop failed: checked after the write, because a loop
     * that fails meanwhile ({@link Session#engineFailed}) marks the session failed before it writes
     * FAILED, and writes it without the lifecycle lock when a transition holds that lock.
     */
    private void settle(Session s, KernelState next) {
        state = next;
        if (s.failed) {
            state = KernelState.FAILED;
        }
    }

    /**
     * Refuses an operation that waits for the kernel's loop or frees its memory when it comes from one
     * of the kernel's own reply callbacks: they run while this thread dispatches the kernel's replies,
     * inside its memory, so the wait could never end (as {@link #sessionToHelp} refuses a blocking
     * join there).
     */
    private void refuseInsideReplyCallback(String operation) {
        Session s = session;
        if (s != null && s.drain.isHeldBy(Thread.currentThread())) {
            throw new IllegalStateException("cannot " + operation + " kernel '" + id() + "' inside one of its reply callbacks,"
                    + " which run while its replies are dispatched; do it from another thread (e.g. thenRunAsync)");
        }
    }

    /** Waits (up to the shutdown timeout) until the loop acknowledges a run command, so deactivate is synchronous. */
    private void awaitSeen(Session s, long command) {
        long deadline = System.nanoTime() + definition.shutdownTimeout().toNanos();
        while (s.control.seenCommand() != command && !s.control.exited() && System.nanoTime() - deadline < 0) {
            LockSupport.parkNanos(10_000);
        }
        if (s.control.seenCommand() != command) {
            lastError = "kernel '" + id() + "' did not acknowledge run command " + (command & 0xFF) + " within "
                    + definition.shutdownTimeout();
        }
    }

    @Override
    public boolean terminate(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("timeout must not be negative: " + timeout);
        }
        if (timeout.compareTo(RingKernelDefinition.MAX_TIMEOUT) > 0) {
            // Checked before anything changes: stop() times the drain in nanoseconds.
            throw new IllegalArgumentException("timeout must be at most " + RingKernelDefinition.MAX_TIMEOUT
                    + " (Long.MAX_VALUE nanoseconds): " + timeout);
        }
        refuseInsideReplyCallback("terminate");
        lifecycle.lock();
        try {
            KernelState s = state;
            if (s == KernelState.TERMINATED) {
                return true;
            }
            if (s == KernelState.FAILED) {
                return false;
            }
            if (!s.isRunning()) {
                throw illegal("terminate", s);
            }
            return stop(session, timeout, s == KernelState.ACTIVE);
        } finally {
            lifecycle.unlock();
        }
    }

    private boolean stop(Session s, Duration timeout, boolean drain) {
        s.accepting = false;
        long deadline = System.nanoTime() + timeout.toNanos();
        boolean drained = drain && awaitDrained(s, deadline);
        s.control.runState(ControlBlock.TERMINATE);
        s.engine.wake();
        long remaining = Math.max(deadline - System.nanoTime(), Duration.ofMillis(100).toNanos());
        if (!s.engine.awaitExit(Duration.ofNanos(remaining)) && !abandon(s)) {
            lastError = "kernel '" + id() + "' did not stop within " + timeout + "; torn down";
            s.engine.forceStop();
        }
        s.drainPublished();
        int unanswered = s.failAll(new KernelTerminatedException("kernel '" + id() + "' terminated before replying"
                + (drain ? " (drain timeout " + timeout + " elapsed)" : " (it was not active, so nothing was drained)"), null));
        state = KernelState.TERMINATED;
        return drained || (unanswered == 0 && s.requests.producerIndex() == s.control.consumed());
    }

    /**
     * After a terminate that ran out of time: tells the loop to give up what cannot finish
     * ({@link ControlBlock#ABANDON}) and waits a little for it to leave; false if it did not.
     */
    private boolean abandon(Session s) {
        s.control.runState(ControlBlock.ABANDON);
        s.engine.wake();
        return s.engine.awaitExit(ABANDON_GRACE);
    }

    private boolean awaitDrained(Session s, long deadline) {
        while (System.nanoTime() - deadline < 0) {
            s.helpDrain();
            if (s.control.consumed() == s.requests.producerIndex() && s.responses.depth() == 0 && s.pendingCount() == 0) {
                return true;
            }
            if (state == KernelState.FAILED) {
                return false;
            }
            LockSupport.parkNanos(50_000);
        }
        return false;
    }

    @Override
    public void close() {
        refuseInsideReplyCallback("close");
        lifecycle.lock();
        try {
            KernelState s = state;
            if (s == KernelState.DISPOSED) {
                return;
            }
            if (s.isRunning()) {
                stop(session, definition.shutdownTimeout(), s == KernelState.ACTIVE);
            }
            retireSession();
            state = KernelState.DISPOSED;
        } finally {
            lifecycle.unlock();
        }
        if (state == KernelState.DISPOSED) {
            Runnable action = onDisposed;
            onDisposed = () -> { };
            action.run();
        }
    }

    /** Under the lifecycle lock, so {@link #retirements} has one writer. */
    private void retireSession() {
        Session old = session;
        if (old != null) {
            long processed = old.control.consumed() + old.control.linkConsumed();
            long failedOnDevice = old.control.failed();
            retirements++;
            try {
                old.free();
                processedBefore += processed;
                failedOnDeviceBefore += failedOnDevice;
                completedBefore += old.drain.completed();
                session = null;
            } finally {
                retirements++;
            }
        }
    }

    private IllegalStateException illegal(String operation, KernelState current) {
        return new IllegalStateException("cannot " + operation + " kernel '" + id() + "' in state " + current);
    }

    // ---------------------------------------------------------------- sending

    @Override
    public CompletableFuture<O> send(I message) {
        return doSend(message, definition.backpressure());
    }

    @Override
    public CompletableFuture<O> trySend(I message) {
        return doSend(message, null);
    }

    private CompletableFuture<O> doSend(I message, Backpressure policy) {
        ByteBuffer scratch = scratch(requestStride);
        requestLayout.encode(message, scratch, 0);
        Session s = enterAccepting();
        try {
            long seq = s.claim(1, true, policy);
            if (seq == MessageRing.FULL) {
                if (policy == null) {
                    rejected.increment();
                    return null;
                }
                return CompletableFuture.failedFuture(new MessageRejectedException(
                        "kernel '" + id() + "': ring full, message dropped (DROP_NEWEST)"));
            }
            ReplyFuture<O> f = new ReplyFuture<>(this);
            s.publishRequest(seq, f, 0, System.nanoTime(), scratch, 0);
            accepted.increment();
            return f;
        } finally {
            s.exit();
        }
    }

    @Override
    public boolean tell(I message) {
        return doTell(message, definition.backpressure());
    }

    @Override
    public boolean tryTell(I message) {
        boolean ok = doTell(message, null);
        if (!ok) {
            rejected.increment();
        }
        return ok;
    }

    private boolean doTell(I message, Backpressure policy) {
        ByteBuffer scratch = scratch(requestStride);
        requestLayout.encode(message, scratch, 0);
        Session s = enterAccepting();
        try {
            long seq = s.claim(1, false, policy);
            if (seq == MessageRing.FULL) {
                return false;
            }
            s.requests.publish(seq, 0, seq, 0, scratch, 0, requestChunks);
            accepted.increment();
            return true;
        } finally {
            s.exit();
        }
    }

    /** Joins a network; called by {@link KernelRoutes#wire} before launch. */
    void joinNetwork(KernelRoutes network) {
        if (state != KernelState.CREATED || routes != null) {
            throw new IllegalStateException("kernel '" + id() + "' can join one network, before launch; it is " + state
                    + (routes != null ? " and in a network already" : ""));
        }
        this.routes = network;
    }

    /**
     * Accepts a message that another kernel's handler sends, under this kernel's backpressure policy.
     *
     * @param origin 0 for a one-way message; else the origin ({@link KernelRoutes#originOf}) of the
     *        kernel whose caller waits for the reply, with {@code correlation} its id there
     * @return {@code false} if dropped (DROP_NEWEST and full)
     * @throws MessageRejectedException if refused (REJECT, or BLOCK timed out)
     * @throws IllegalStateException if this kernel does not accept messages now
     */
    boolean acceptLinked(Object message, long correlation, int origin) {
        ByteBuffer scratch = scratch(requestStride);
        requestLayout.encode(requestLayout.type().cast(message), scratch, 0);
        Session s = enterAccepting();
        try {
            long seq = s.claim(1, false, definition.backpressure());
            if (seq == MessageRing.FULL) {
                return false;
            }
            if (origin == 0) {
                s.requests.publish(seq, 0, seq, 0, scratch, 0, requestChunks);
            } else {
                s.requests.publish(seq, MessageRing.FLAG_REPLY, correlation, origin, scratch, 0, requestChunks);
            }
            // Orders the slot's stores before the read of `stopped` (as failIfStopped does): the sweep
            // sets `stopped`, then looks for forwarded requests in the ring.
            VarHandle.fullFence();
            if (s.stopped) {
                // Published after the session's last sweep: it will never be handled, so the sender's
                // handler fails with this instead (and with it the request it was answering, if any).
                throw new IllegalStateException("kernel '" + id() + "' stopped while a message was sent to it");
            }
            accepted.increment();
            return true;
        } finally {
            s.exit();
        }
    }

    /** Helps dispatch this kernel's published replies from a waiting caller's thread. */
    int helpDrainReplies() {
        Session s = session;
        return s != null ? s.helpDrain() : 0;
    }

    /** Messages waiting in the request ring now (0 when not launched): two index reads, no snapshot. */
    int requestDepth() {
        Session s = session;
        if (s == null || !s.enter()) {
            return 0;
        }
        try {
            return s.requests.depth();
        } finally {
            s.exit();
        }
    }

    /** Whether {@code thread} is dispatching this kernel's replies now. */
    boolean isDrainingReplies(Thread thread) {
        Session s = session;
        return s != null && s.drain.isHeldBy(thread);
    }

    /** The number of the current session, which forwarded requests carry back ({@link KernelRoutes#originOf}). */
    int sessionEpoch() {
        Session s = session;
        return s != null ? s.epoch : 0;
    }

    /**
     * The current session if it is the one that sent request {@code correlation} (a reply that
     * arrives after a relaunch belongs to a request the old session already failed), else null.
     */
    private Session owner(long correlation, int epoch) {
        Session s = session;
        if (s == null || s.epoch != epoch || s.correlationOf((int) (correlation & s.pendingMask)) != correlation) {
            return null;
        }
        return s;
    }

    /**
     * The count of callers spinning on a reply that this kernel's current launch may bring (its pump
     * stands back while it is not zero, see {@link KernelChannel#callersWaiting()}); null when not launched.
     */
    AtomicInteger spinningCallers() {
        Session s = session;
        return s == null ? null : s.waiting;
    }

    /** Completes this kernel's waiting caller with a reply that a kernel downstream produced. */
    void completeForwarded(long correlation, int epoch, int status, ByteBuffer reply) {
        Session s = owner(correlation, epoch);
        if (s != null) {
            s.complete(correlation, status, reply, System.nanoTime(), false);
        }
    }

    /** Records why a kernel downstream failed on this kernel's request {@code correlation}. */
    void forwardedFailed(long correlation, int epoch, Throwable cause) {
        Session s = owner(correlation, epoch);
        if (s != null) {
            lastError = "a kernel downstream failed on message " + correlation + ": " + cause;
            s.errors.set((int) (correlation & s.pendingMask), cause);
        }
    }

    /** Fails this kernel's request {@code correlation}: the kernel it was forwarded to stopped before answering. */
    void forwardedLost(long correlation, int epoch, Throwable cause) {
        Session s = owner(correlation, epoch);
        if (s != null) {
            s.failOne((int) (correlation & s.pendingMask), cause);
        }
    }

    @Override
    public List<CompletableFuture<O>> sendBatch(List<? extends I> messages) {
        Objects.requireNonNull(messages, "messages");
        List<CompletableFuture<O>> out = new ArrayList<>(messages.size());
        sendAll(messages, new BatchSink<O>() {
            @Override
            public ReplyTarget<O> target(int index) {
                ReplyFuture<O> f = new ReplyFuture<>(HostRingKernel.this);
                out.add(f);
                return f;
            }

            @Override
            public void refused(int index, Throwable cause) {
                out.add(CompletableFuture.failedFuture(cause));
            }
        });
        return out;
    }

    @Override
    public CompletableFuture<Void> sendBatch(List<? extends I> messages, ReplyHandler<? super O> replies) {
        Objects.requireNonNull(messages, "messages");
        Objects.requireNonNull(replies, "replies");
        BatchReplies<O> batch = new BatchReplies<>(this, replies, messages.size());
        sendAll(messages, new BatchSink<O>() {
            @Override
            public ReplyTarget<O> target(int index) {
                return batch;
            }

            @Override
            public void refused(int index, Throwable cause) {
                batch.failReply(index, cause);
            }
        });
        return batch;
    }

    /** Where {@link #sendAll} puts each message's reply: a target per accepted message, in order, or its refusal. */
    private interface BatchSink<O> {

        ReplyTarget<O> target(int index);

        void refused(int index, Throwable cause);
    }

    /** Encodes, claims in as few runs as fit, and publishes every message as a request, in order. */
    private void sendAll(List<? extends I> messages, BatchSink<O> sink) {
        int n = messages.size();
        ByteBuffer scratch = encodeAll(messages);
        long[] first = new long[1];
        Session s = enterAccepting();
        try {
            int i = 0;
            while (i < n) {
                int k;
                try {
                    k = s.claimRun(n - i, true, first);
                } catch (MessageRejectedException e) {
                    // claim() counted this message; the rest of the batch is refused with it.
                    rejected.add(n - i - 1);
                    for (; i < n; i++) {
                        sink.refused(i, e);
                    }
                    break;
                } catch (IllegalStateException e) {
                    // The kernel stopped while the batch waited for room: what is sent is answered
                    // or failed by the stop, and the rest fails as those do, with the stop's cause.
                    KernelTerminatedException stop = new KernelTerminatedException("kernel '" + id()
                            + "' stopped before the rest of the batch was sent", s.stopCause != null ? s.stopCause : e);
                    for (; i < n; i++) {
                        sink.refused(i, stop);
                    }
                    break;
                }
                if (k == 0) {
                    sink.refused(i, new MessageRejectedException(
                            "kernel '" + id() + "': ring full, message dropped (DROP_NEWEST)"));
                    i++;
                    continue;
                }
                // One clock read per run: a batch's latency counts from when its run was published.
                long sent = System.nanoTime();
                for (int j = 0; j < k; j++) {
                    s.expectReply(first[0] + j, sink.target(i + j), i + j, sent);
                }
                s.requests.publishRun(first[0], k, MessageRing.FLAG_REPLY, scratch, i * requestStride, requestStride,
                        requestChunks);
                s.failIfStopped(first[0], k);
                accepted.add(k);
                i += k;
            }
        } finally {
            s.exit();
        }
    }

    @Override
    public int tellBatch(List<? extends I> messages) {
        int n = messages.size();
        ByteBuffer scratch = encodeAll(messages);
        long[] first = new long[1];
        Session s = enterAccepting();
        try {
            int i = 0;
            while (i < n) {
                int k;
                try {
                    k = s.claimRun(n - i, false, first);
                } catch (MessageRejectedException e) {
                    rejected.add(n - i - 1);
                    return i;
                }
                if (k == 0) {
                    // claim() counted this message; the rest of the batch is dropped with it.
                    dropped.add(n - i - 1);
                    return i;
                }
                s.requests.publishRun(first[0], k, 0, scratch, i * requestStride, requestStride, requestChunks);
                accepted.add(k);
                i += k;
            }
            return n;
        } finally {
            s.exit();
        }
    }

    private ByteBuffer encodeAll(List<? extends I> messages) {
        Objects.requireNonNull(messages, "messages");
        ByteBuffer scratch = scratch(Math.max(1, messages.size()) * requestStride);
        for (int i = 0; i < messages.size(); i++) {
            I m = messages.get(i);
            if (m == null) {
                throw new NullPointerException("messages[" + i + "] must not be null");
            }
            requestLayout.encode(m, scratch, i * requestStride);
        }
        return scratch;
    }

    @Override
    public MessageFlyweight newFlyweight() {
        return MessageFlyweight.create(requestLayout, this);
    }

    @Override
    public boolean claim(MessageFlyweight flyweight) {
        return claim(flyweight, 1) == 1;
    }

    @Override
    public int claim(MessageFlyweight flyweight, int messages) {
        if (messages < 1) {
            throw new IllegalArgumentException("claim at least one slot, not " + messages);
        }
        if (flyweight.isClaimed()) {
            throw new IllegalStateException("flyweight already holds claimed slots; commit or abort them first");
        }
        Session s = enterAccepting();
        try {
            long first;
            int k;
            if (messages == 1) {
                first = s.claim(1, false, definition.backpressure());
                k = first == MessageRing.FULL ? 0 : 1;
            } else {
                long[] run = CLAIMED_RUN.get();
                k = s.claimRun(Math.min(messages, flyweight.maxRun()), false, run);
                first = run[0];
            }
            if (k > 0) {
                flyweight.wrap(this, first, k, s);
            }
            return k;
        } finally {
            s.exit();
        }
    }

    @Override
    public void commit(MessageFlyweight flyweight) {
        accepted.add(publishClaimed(flyweight, 0));
    }

    @Override
    public void abort(MessageFlyweight flyweight) {
        publishClaimed(flyweight, MessageRing.FLAG_SKIP);
    }

    /** Publishes (or with {@link MessageRing#FLAG_SKIP} gives back) the slots the flyweight holds; returns how many. */
    private int publishClaimed(MessageFlyweight flyweight, int flags) {
        Session s = session;
        if (s == null || !s.enter()) {
            flyweight.unwrap(this);
            throw new IllegalStateException("kernel '" + id() + "' was closed while a slot was claimed");
        }
        try {
            if (flyweight.claimedIn(this) != s) {
                // The slot belongs to a ring that is gone: publishing its sequence here would write into
                // the new launch's ring, over a message of its own or as one it never claimed.
                flyweight.unwrap(this);
                throw new IllegalStateException("kernel '" + id() + "' was relaunched while a slot was claimed; "
                        + "the claim belonged to the earlier launch");
            }
            ByteBuffer written = flyweight.written(this);
            int n = flyweight.claimed();
            long first = flyweight.unwrap(this);
            if (n == 1) {
                s.requests.publish(first, flags, first, 0, written, 0, requestChunks);
            } else {
                s.requests.publishRun(first, n, flags, written, 0, requestStride, requestChunks);
            }
            return n;
        } finally {
            s.exit();
        }
    }

    @Override
    public DeviceBuffer allocateBuffer(long bytes) {
        Session s = session;
        if (s == null || !s.enter()) {
            throw new IllegalStateException("cannot allocate a buffer for kernel '" + id() + "' in state " + state
                    + "; launch it first");
        }
        try {
            return s.engine.allocateBuffer(bytes);
        } finally {
            s.exit();
        }
    }

    private Session enterAccepting() {
        Session s = session;
        if (s != null && s.enter()) {
            if (s.accepting) {
                return s;
            }
            s.exit();
        }
        KernelState st = state;
        throw new IllegalStateException("kernel '" + id() + "' does not accept messages in state " + st
                + (st == KernelState.CREATED ? " (launch it first)" : ""));
    }

    private static ByteBuffer scratch(int bytes) {
        ByteBuffer[] holder = SCRATCH.get();
        ByteBuffer b = holder[0];
        if (b == null || b.capacity() < bytes) {
            b = ByteBuffer.allocate(Math.max(bytes, 256)).order(ByteOrder.LITTLE_ENDIAN);
            holder[0] = b;
        }
        return b;
    }

    // ---------------------------------------------------------------- replies

    void awaitReply(ReplyFuture<O> future) {
        Session s = sessionToHelp();
        if (s == null) {
            return;
        }
        KernelRoutes r = routes;
        long spin = definition.replySpin().toNanos();
        long start = System.nanoTime();
        int spins = 0;
        if (s.engine.callersTakeReplies()) {
            // Replies written by a device: take them from the ring on this thread, one at a time (the
            // engine stands back while they come one at a time, and takes bursts in parallel), which
            // saves the hand-off from the engine's thread to this one.
            s.waiting.incrementAndGet();
            // In a network the reply may come from the end of a chain, into another kernel's ring: the
            // pumps of those kernels stand back too, or each such reply would reach this thread through one.
            AtomicInteger[] chain = r != null ? r.spinningCallerCounts(this) : NO_COUNTS;
            for (AtomicInteger c : chain) {
                c.incrementAndGet();
            }
            try {
                while (!future.isDone()) {
                    int drained = r != null ? r.helpDrain() : s.helpDrain(1);
                    if (drained == 0) {
                        if ((++spins & 63) == 0 && System.nanoTime() - start > spin) {
                            return;
                        }
                        Thread.onSpinWait();
                    }
                }
            } finally {
                s.waiting.decrementAndGet();
                for (AtomicInteger c : chain) {
                    c.decrementAndGet();
                }
            }
            return;
        }
        // The engine (CPU loop) dispatches replies as it publishes them; a waiter mostly watches its
        // own future and only now and then helps drain, so it does not fight the engine for the
        // drain lock and the cache lines around it.
        while (!future.isDone()) {
            if ((++spins & 63) == 0) {
                // In a network the reply may come from the end of a chain, into another kernel's ring.
                int drained = r != null ? r.helpDrain() : s.helpDrain();
                if (drained == 0 && System.nanoTime() - start > spin) {
                    return;
                }
            } else {
                Thread.onSpinWait();
            }
        }
    }

    /**
     * Waits for a batch: helps dispatch replies in bulk as long as they keep coming (the engine's
     * thread dispatches in parallel; this thread does not count as a caller waiting for one reply),
     * and returns to park in the future once none came for the reply-spin time.
     */
    void awaitBatch(BatchReplies<O> batch) {
        Session s = sessionToHelp();
        if (s == null) {
            return;
        }
        // Entered once for the whole wait, not per poll (two atomic updates each); the wait ends
        // when the session stops being live, so closing it is not held up.
        if (!s.enter()) {
            return;
        }
        try {
            KernelRoutes r = routes;
            int limit = definition.batchSize();
            long spin = definition.replySpin().toNanos();
            long lastReply = System.nanoTime();
            int spins = 0;
            while (!batch.isDone() && s.live) {
                int drained = r != null ? r.helpDrain() : s.drainReplies(limit);
                if (drained > 0) {
                    spins = 0;
                    lastReply = System.nanoTime();
                } else {
                    if ((++spins & 63) == 0 && System.nanoTime() - lastReply > spin) {
                        return;
                    }
                    Thread.onSpinWait();
                }
            }
        } finally {
            s.exit();
        }
    }

    /**
     * The session whose replies a waiting thread may help dispatch (null when none), after refusing a
     * wait inside a reply callback, which would wait on itself.
     */
    private Session sessionToHelp() {
        Session s = session;
        KernelRoutes r = routes;
        Thread me = Thread.currentThread();
        if (s != null && (s.drain.isHeldBy(me) || r != null && r.isDrainingReplies(me))) {
            // In a network, callbacks of forwarded requests run on the draining thread of the kernel that answered.
            throw new IllegalStateException("blocking on a reply of kernel '" + id() + "' inside a reply callback"
                    + " would deadlock; compose with thenCompose/thenApply instead");
        }
        return s;
    }

    // ---------------------------------------------------------------- telemetry

    @Override
    public KernelTelemetry telemetry() {
        KernelState st = state;
        int reqDepth;
        int respDepth;
        long processed;
        long deviceFailed;
        long completedReplies;
        long heartbeatAge;
        long deadline = 0;
        while (true) {
            long before = retirements;
            Session s = session;
            reqDepth = 0;
            respDepth = 0;
            processed = processedBefore;
            deviceFailed = failedOnDeviceBefore;
            completedReplies = completedBefore;
            heartbeatAge = -1;
            if (s != null && s.enter()) {
                try {
                    reqDepth = s.requests.depth();
                    respDepth = s.responses.depth();
                    processed += s.control.consumed() + s.control.linkConsumed();
                    deviceFailed += s.control.failed();
                    completedReplies += s.drain.completed();
                    if (st.isRunning()) {
                        heartbeatAge = heartbeatAge(s.control.heartbeat());
                    }
                } finally {
                    s.exit();
                }
            }
            if ((before & 1) == 0 && retirements == before) {
                break;
            }
            // A retirement ran meanwhile (it waits only for threads inside the launch's memory, so it is
            // short); read again, and after 100 ms give the last reading rather than wait on.
            long now = System.nanoTime();
            if (deadline == 0) {
                deadline = now + RETIREMENT_WAIT_NANOS;
            } else if (now - deadline > 0) {
                break;
            }
            Thread.yield();
        }
        return new KernelTelemetry(id(), backend, device, st, reqDepth, definition.capacity(), respDepth,
                definition.capacity(), accepted.sum(), processed, completedReplies + completed.sum(),
                deviceFailed + failedOnHost.sum(), rejected.sum(), dropped.sum(), latencySnapshot(), heartbeatAge, lastError);
    }

    private synchronized long heartbeatAge(long beat) {
        long now = System.nanoTime();
        if (beat != lastBeat) {
            lastBeat = beat;
            lastBeatSeenNanos = now;
        }
        return now - lastBeatSeenNanos;
    }

    private LatencySnapshot latencySnapshot() {
        synchronized (latency) {
            drainedInterval = drainedLatency.getIntervalHistogram(drainedInterval);
            forwardedInterval = forwardedLatency.getIntervalHistogram(forwardedInterval);
            latency.add(drainedInterval);
            latency.add(forwardedInterval);
            if (latency.getTotalCount() == 0) {
                return LatencySnapshot.EMPTY;
            }
            return new LatencySnapshot(latency.getTotalCount(), latency.getValueAtPercentile(50),
                    latency.getValueAtPercentile(90), latency.getValueAtPercentile(99),
                    latency.getValueAtPercentile(99.9), latency.getMaxValue(), latency.getMean());
        }
    }

    @Override
    public String toString() {
        return "RingKernel[" + id() + ", " + backend + ", " + state + "]";
    }

    // ---------------------------------------------------------------- session

    /** Native memory and reply table of one launch. */
    private final class Session implements KernelChannel {

        final KernelEngine engine;
        final ThreadsInside inside = new ThreadsInside();
        volatile boolean live = true;
        volatile boolean accepting = true;
        volatile boolean stopped;
        /** Why the session stopped (its first failure sweep's cause), written before that sweep sets {@link #stopped}. */
        volatile Throwable stopCause;
        volatile boolean failed;
        /** Who dispatches replies now; padded, as the dispatching thread writes it for every reply. */
        final DrainFlag drain = new DrainFlag();
        /** Callers spinning on a reply that take replies from the ring themselves (see {@link #callersWaiting()}). */
        final AtomicInteger waiting = new AtomicInteger();
        MessageRing requests;
        MessageRing responses;
        ControlBlock control;
        final int epoch;
        final AtomicReferenceArray<ReplyTarget<O>> pending;
        /**
         * Per reply-table entry, {@link #ENTRY_WORDS} longs written before the entry's target: when the
         * request was sent, the correlation id the entry was last used for, and the message's index
         * within its batch (for {@link BatchReplies}). One array, so an entry is one cache line.
         */
        final long[] entries;
        final AtomicReferenceArray<Throwable> errors;
        final int pendingMask;
        final MessageRing.ClaimGuard replyGuard;
        final ByteBuffer replyScratch;
        private final SlotFormat format;
        private final int requestWords;
        private final int responseWords;

        Session(KernelEngine engine, int epoch) {
            this.engine = engine;
            this.epoch = epoch;
            int table = definition.capacity() * 2;
            this.entries = new long[table * ENTRY_WORDS];
            this.pending = new AtomicReferenceArray<>(table);
            this.errors = new AtomicReferenceArray<>(table);
            this.pendingMask = table - 1;
            this.replyGuard = this::entriesFree;
            this.format = engine.slotFormat();
            this.requestWords = format.slotWords(definition.requestLayout().size());
            this.responseWords = format.slotWords(definition.responseLayout().size());
            // Large enough for either format's read (tryRead writes at most 8 bytes a slot word).
            this.replyScratch = ByteBuffer.allocate(responseWords * 8).order(ByteOrder.LITTLE_ENDIAN);
        }

        void allocate() {
            int cap = definition.capacity();
            requests = new MessageRing(engine.allocateShared(MessageRing.bytesFor(cap, requestWords)), cap, requestWords,
                    format);
            responses = new MessageRing(engine.allocateShared(MessageRing.bytesFor(cap, responseWords)), cap, responseWords,
                    format);
            control = new ControlBlock(engine.allocateShared(ControlBlock.BYTES));
            control.runState(ControlBlock.INACTIVE);
        }

        boolean enter() {
            inside.enter();
            if (live) {
                return true;
            }
            inside.leave();
            return false;
        }

        void exit() {
            inside.leave();
        }

        /** Waits for every thread inside to leave, then frees the engine's memory. */
        void free() {
            live = false;
            accepting = false;
            stopped = true;
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (inside.anyInside() && System.nanoTime() - deadline < 0) {
                Thread.yield();
            }
            failAll(new KernelTerminatedException("kernel '" + id() + "' was closed", null));
            engine.close();
        }

        int available() {
            return (int) Math.max(0, definition.capacity() - (requests.producerIndex() - requests.consumerIndex()));
        }

        private boolean entriesFree(long first, int n) {
            for (int i = 0; i < n; i++) {
                if (pending.get((int) ((first + i) & pendingMask)) != null) {
                    return false;
                }
            }
            return true;
        }

        /**
         * Claims n slots following the policy ({@code null}: try once), counting the message as
         * dropped (DROP_NEWEST) or rejected (REJECT, BLOCK timeout) when the ring has no room.
         *
         * @return the first sequence, or FULL when dropped (DROP_NEWEST) or when trying once failed
         */
        long claim(int n, boolean reply, Backpressure policy) {
            MessageRing.ClaimGuard guard = reply ? replyGuard : null;
            long seq = requests.tryClaim(n, guard);
            if (seq != MessageRing.FULL || policy == null) {
                return seq;
            }
            if (policy == Backpressure.DROP_NEWEST) {
                dropped.increment();
                return seq;
            }
            if (policy == Backpressure.REJECT) {
                rejected.increment();
                throw new MessageRejectedException("kernel '" + id() + "': ring full (" + definition.capacity()
                        + " messages), message rejected (REJECT)");
            }
            long timeout = definition.blockTimeout().toNanos();
            long start = System.nanoTime();
            int idle = 0;
            while ((seq = requests.tryClaim(n, guard)) == MessageRing.FULL) {
                if (!accepting) {
                    throw new IllegalStateException("kernel '" + id() + "' stopped accepting messages while a send waited for room");
                }
                if (System.nanoTime() - start > timeout) {
                    rejected.increment();
                    throw new MessageRejectedException("kernel '" + id() + "': ring full for " + definition.blockTimeout()
                            + ", message rejected (BLOCK timeout)");
                }
                if (helpDrain() == 0) {
                    idle++;
                    if (idle < 100) {
                        Thread.onSpinWait();
                    } else if (idle < 200) {
                        Thread.yield();
                    } else {
                        LockSupport.parkNanos(20_000);
                    }
                }
            }
            return seq;
        }

        /**
         * Claims as many of {@code max} consecutive sequences as fit now (at least one, waiting per
         * the policy when none does), for batches.
         *
         * @param first receives the first claimed sequence
         * @return how many were claimed; 0 if the message was dropped (DROP_NEWEST)
         * @throws MessageRejectedException under REJECT or after the BLOCK timeout
         */
        int claimRun(int max, boolean reply, long[] first) {
            MessageRing.ClaimGuard guard = reply ? replyGuard : null;
            int k = Math.min(max, Math.max(1, available()));
            long seq;
            // A run is refused for lack of room or, with replies, because a reply-table entry it needs
            // is still taken, which the room shows nothing of: halving ends at one message, which waits
            // (or is refused) under the policy like a single send.
            while ((seq = requests.tryClaim(k, guard)) == MessageRing.FULL && k > 1) {
                k = Math.min(k / 2, Math.max(1, available()));
            }
            if (seq == MessageRing.FULL) {
                seq = claim(1, reply, definition.backpressure());
                if (seq == MessageRing.FULL) {
                    return 0;
                }
            }
            first[0] = seq;
            return k;
        }

        /** Sends one request: {@link #expectReply}, publish, then {@link #failIfStopped}. */
        void publishRequest(long seq, ReplyTarget<O> target, int index, long sent, ByteBuffer payload, int offset) {
            expectReply(seq, target, index, sent);
            requests.publish(seq, MessageRing.FLAG_REPLY, seq, 0, payload, offset, requestChunks);
            failIfStopped(seq, 1);
        }

        /**
         * Records what waits for request {@code seq}'s reply; the request must be published after
         * it (its publication releases the entry, so whoever sees the reply finds it) and the run of
         * requests end with {@link #failIfStopped}.
         */
        void expectReply(long seq, ReplyTarget<O> target, int index, long sent) {
            int idx = (int) (seq & pendingMask);
            int e = idx * ENTRY_WORDS;
            entries[e + SENT] = sent;
            entries[e + CORRELATION] = seq;
            entries[e + INDEX] = index;
            pending.setRelease(idx, target);
        }

        /**
         * Fails requests {@code first .. first + n - 1} if the session stopped while they were sent:
         * its sweep ({@link #failAll}) sets {@link #stopped}, then takes the entries, and may have
         * passed theirs before they were stored. The fence orders their stores before the read of
         * {@code stopped}, one fence for a whole run of a batch.
         */
        void failIfStopped(long first, int n) {
            VarHandle.fullFence();
            if (stopped) {
                for (int i = 0; i < n; i++) {
                    failOne((int) ((first + i) & pendingMask), new KernelTerminatedException(
                            "kernel '" + id() + "' stopped while the message was sent", stopCause));
                }
            }
        }

        long sentNanosOf(int idx) {
            return entries[idx * ENTRY_WORDS + SENT];
        }

        long correlationOf(int idx) {
            return entries[idx * ENTRY_WORDS + CORRELATION];
        }

        int batchIndexOf(int idx) {
            return (int) entries[idx * ENTRY_WORDS + INDEX];
        }

        int pendingCount() {
            int n = 0;
            for (int i = 0; i <= pendingMask; i++) {
                if (pending.get(i) != null) {
                    n++;
                }
            }
            return n;
        }

        /**
         * Takes entry {@code idx} for reporting: its target, with the entry marked {@link #TAKEN} so that
         * no new request claims it (and overwrites its words) before {@link #release}; {@code null} if
         * it is free or another thread reports it. Exactly one reporter gets a target.
         */
        @SuppressWarnings("unchecked")
        private ReplyTarget<O> take(int idx) {
            while (true) {
                ReplyTarget<O> t = pending.get(idx);
                if (t == null || t == TAKEN) {
                    return null;
                }
                if (pending.compareAndSet(idx, t, (ReplyTarget<O>) (ReplyTarget<?>) TAKEN)) {
                    return t;
                }
            }
        }

        /** Frees an entry taken with {@link #take} once its words are read. */
        private void release(int idx) {
            pending.setRelease(idx, null);
        }

        private boolean failOne(int idx, Throwable cause) {
            ReplyTarget<O> t = take(idx);
            if (t == null) {
                return false;
            }
            int index = batchIndexOf(idx);
            errors.set(idx, null);
            release(idx);
            failedOnHost.increment();
            t.failReply(index, cause);
            return true;
        }

        int failAll(Throwable cause) {
            if (stopCause == null) {
                stopCause = cause;
            }
            stopped = true;
            int n = 0;
            for (int i = 0; i <= pendingMask; i++) {
                if (failOne(i, cause)) {
                    n++;
                }
            }
            failForwardedInRing(cause);
            return n;
        }

        /**
         * Requests that other kernels forwarded here and that this session will now never answer:
         * their callers wait in the origins' reply tables, so fail them there. Scans from the last
         * released slot (slots are released in groups, so some were answered already; the origin's
         * entry then no longer matches and nothing happens).
         */
        private void failForwardedInRing(Throwable cause) {
            KernelRoutes r = routes;
            if (r == null || requests == null) {
                return;
            }
            ByteBuffer slot = ByteBuffer.allocate(requests.readBytes()).order(ByteOrder.LITTLE_ENDIAN);
            for (long seq = requests.consumerIndex(); seq < requests.producerIndex(); seq++) {
                if (requests.tryRead(seq, slot) && (slot.getInt(0) & MessageRing.FLAG_REPLY) != 0 && slot.getInt(12) != 0) {
                    r.forwardedLost(slot.getInt(12), MessageRing.correlationOf(slot), new KernelTerminatedException(
                            "kernel '" + id() + "' stopped before answering a request forwarded to it", cause));
                }
            }
        }

        // -------- KernelChannel

        @Override
        public RingKernelDefinition<?, ?> definition() {
            return definition;
        }

        @Override
        public MessageRing requests() {
            return requests;
        }

        @Override
        public MessageRing responses() {
            return responses;
        }

        @Override
        public ControlBlock control() {
            return control;
        }

        /** Drains replies from a host thread that is not the engine's: guarded against the memory being freed. */
        int helpDrain() {
            return helpDrain(definition.batchSize());
        }

        /**
         * Dispatches every reply published so far, after the loop stopped and before the sweep fails
         * what is left: one drain takes a batch at most, and finds nothing while another thread holds
         * the drain flag (that thread dispatches them then). Bounded, in case a slot stays half-written.
         */
        void drainPublished() {
            long until = System.nanoTime() + Duration.ofMillis(100).toNanos();
            while (live && responses.mayBePublished(responses.consumerIndex()) && System.nanoTime() - until < 0) {
                if (helpDrain() == 0) {
                    Thread.onSpinWait();
                }
            }
        }

        /** {@link #helpDrain()}, at most {@code limit} replies. */
        int helpDrain(int limit) {
            if (!enter()) {
                return 0;
            }
            try {
                return drainReplies(limit);
            } finally {
                exit();
            }
        }

        /**
         * {@inheritDoc}
         *
         * <p>Unguarded: engine threads call it, and an engine stops its threads before its memory is
         * freed. Other host threads go through {@link #helpDrain()}.
         */
        @Override
        public int drainReplies(int limit) {
            if (drain.isHeld() || !responses.mayBePublished(responses.consumerIndex()) || !drain.tryAcquire()) {
                return 0;
            }
            try {
                return drainLocked(limit);
            } finally {
                drain.release();
            }
        }

        private int drainLocked(int limit) {
            long c = responses.consumerIndex();
            int n = 0;
            ByteBuffer r = replyScratch;
            long now = 0;
            // `live` first: a close that gave up waiting for a reply callback that ran too long may have
            // freed the ring meanwhile.
            while (n < limit && live && responses.tryRead(c, r)) {
                // The latency clock is read for the first reply and then for every 16th of a burst
                // (a clock read costs about as much as the rest of a reply's bookkeeping).
                if ((n & (CLOCK_EVERY - 1)) == 0) {
                    now = System.nanoTime();
                }
                c++;
                n++;
                responses.releaseConsumed(c);
                dispatch(r, now);
            }
            return n;
        }

        private void dispatch(ByteBuffer r, long now) {
            int word = r.getInt(0);
            long correlation = MessageRing.correlationOf(r);
            int origin = word >>> MessageRing.ORIGIN_SHIFT;
            int status = word & ((1 << MessageRing.ORIGIN_SHIFT) - 1);
            if (origin != 0) {
                routes.completeForwarded(origin, correlation, status, r);
            } else {
                complete(correlation, status, r, now, true);
            }
        }

        /**
         * Completes request {@code correlation} with reply {@code r}, taken at {@code now}, from this
         * session's drain or ({@code !drained}) another's.
         */
        void complete(long correlation, int status, ByteBuffer r, long now, boolean drained) {
            int idx = (int) (correlation & pendingMask);
            ReplyTarget<O> t = take(idx);
            if (t == null) {
                return;
            }
            long sent = sentNanosOf(idx);
            int index = batchIndexOf(idx);
            Throwable error = status == MessageRing.STATUS_OK ? null : errors.getAndSet(idx, null);
            release(idx);
            long nanos = Math.max(0, now - sent);
            if (drained) {
                drainedLatency.recordValue(nanos);
            } else {
                forwardedLatency.recordValue(nanos);
            }
            if (status == MessageRing.STATUS_OK) {
                O value;
                try {
                    value = responseLayout.decode(r, MessageRing.HEADER_CHUNKS * 4);
                } catch (RuntimeException e) {
                    failedOnHost.increment();
                    t.failReply(index, new KernelFailedException("kernel '" + id() + "' sent an undecodable reply", e));
                    return;
                }
                if (drained) {
                    drain.countCompleted();
                } else {
                    completed.increment();
                }
                t.completeReply(index, value);
            } else {
                String detail = error != null ? error.toString() : "device error code " + r.getInt(12);
                t.failReply(index, new KernelFailedException(
                        "kernel '" + id() + "' failed on message " + correlation + ": " + detail, error));
            }
        }

        @Override
        public boolean callersWaiting() {
            return waiting.get() > 0;
        }

        @Override
        public KernelRoutes routes() {
            return routes;
        }

        @Override
        public void handlerFailed(long correlation, int origin, Throwable cause, boolean replyExpected) {
            if (origin == 0) {
                handlerFailed(correlation, cause, replyExpected);
            } else {
                lastError = "handler failed on a message forwarded for kernel '" + routes.originKernel(origin).id() + "': "
                        + cause;
                if (replyExpected) {
                    routes.forwardedFailed(origin, correlation, cause);
                }
            }
        }

        @Override
        public void handlerFailed(long correlation, Throwable cause, boolean replyExpected) {
            lastError = "handler failed on message " + correlation + ": " + cause;
            if (replyExpected) {
                errors.set((int) (correlation & pendingMask), cause);
            }
        }

        @Override
        public void engineFailed(Throwable cause) {
            KernelTerminatedException failure = new KernelTerminatedException("kernel '" + id() + "' failed: " + cause, cause);
            lastError = "kernel failed: " + cause;
            stopCause = failure;
            failed = true;
            accepting = false;
            stopped = true;
            if (lifecycle.tryLock()) {
                try {
                    if (session == this && state.isRunning()) {
                        state = KernelState.FAILED;
                    }
                } finally {
                    lifecycle.unlock();
                }
            } else if (session == this) {
                state = KernelState.FAILED;
            }
            failAll(failure);
        }
    }
}
