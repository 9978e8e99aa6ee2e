package io.ringkernel.cpu;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;

import org.agrona.collections.Long2ObjectHashMap;
import org.agrona.concurrent.IdleStrategy;

import io.ringkernel.DeviceBuffer;
import io.ringkernel.KernelContext;
import io.ringkernel.MessageHandler;
import io.ringkernel.MessageRejectedException;
import io.ringkernel.MessageView;
import io.ringkernel.MessageViewHandler;
import io.ringkernel.RingKernelDefinition;
import io.ringkernel.StatefulHandler;
import io.ringkernel.layout.BufferHandle;
import io.ringkernel.layout.MessageLayout;
import io.ringkernel.memory.MemoryRegion;
import io.ringkernel.memory.NativeMemory;
import io.ringkernel.ring.ControlBlock;
import io.ringkernel.ring.KernelChannel;
import io.ringkernel.ring.KernelEngine;
import io.ringkernel.ring.KernelRoutes;
import io.ringkernel.ring.MessageRing;
import io.ringkernel.ring.SlotFormat;

/**
 * The CPU backend's engine: one dispatch thread per kernel running the ring protocol over
 * off-heap memory, as the GPU loop does over mapped memory. It decodes each request from its slot,
 * calls the Java handler, encodes the reply into the response ring, and between passes dispatches
 * the published replies to their futures itself (a caller waiting for a batch takes them in
 * parallel), so no third thread stands between a request and its reply.
 *
 * <p>If the thread cannot be stopped (a handler that never returns), {@link #close()} abandons it:
 * the thread frees the memory itself when the handler finally returns, instead of the host
 * freeing memory the thread would still touch.
 *
 * <p>Thread-safety: lifecycle calls come from the kernel's lifecycle lock; buffer calls are thread-safe.
 */
final class CpuKernelEngine implements KernelEngine, KernelContext {

    private static final long INACTIVE_PARK_NANOS = 1_000_000;

    private final RingKernelDefinition<?, ?> definition;
    private final List<MemoryRegion> shared = new ArrayList<>();
    private final Map<Long, CpuBuffer> buffers = new ConcurrentHashMap<>();
    private Thread thread;
    /** The loop whose handler calls this context; the context's messaging methods run on its thread. */
    private DispatchLoop loop;
    private volatile boolean abandoned;
    private boolean closed;
    /** Set by the loop thread as it leaves, under this object's monitor: who frees the memory is decided there. */
    private boolean exited;

    CpuKernelEngine(RingKernelDefinition<?, ?> definition) {
        this.definition = definition;
    }

    @Override
    public synchronized MemoryRegion allocateShared(long bytes) {
        MemoryRegion r = NativeMemory.allocate(bytes, 128);
        shared.add(r);
        return r;
    }

    /** Compact slots: the loop that reads them is a Java thread on the same machine, not a GPU across PCIe. */
    @Override
    public SlotFormat slotFormat() {
        return SlotFormat.COMPACT;
    }

    @Override
    public void start(KernelChannel channel) {
        loop = new DispatchLoop(channel);
        thread = new Thread(loop, "ringkernel-" + definition.id());
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public void wake() {
        Thread t = thread;
        if (t != null) {
            LockSupport.unpark(t);
        }
    }

    @Override
    public boolean awaitExit(Duration timeout) {
        Thread t = thread;
        if (t == null) {
            return true;
        }
        try {
            t.join(Math.max(1, timeout.toMillis()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return !t.isAlive();
    }

    @Override
    public void forceStop() {
        Thread t = thread;
        if (t != null && t.isAlive()) {
            t.interrupt();
        }
    }

    @Override
    public DeviceBuffer allocateBuffer(long bytes) {
        if (bytes <= 0) {
            throw new IllegalArgumentException("buffer size must be positive: " + bytes);
        }
        CpuBuffer b = new CpuBuffer(NativeMemory.allocate(bytes, 64));
        buffers.put(b.region.address(), b);
        return b;
    }

    @Override
    public MemoryRegion resolveBuffer(BufferHandle handle) {
        CpuBuffer b = buffers.get(handle.address());
        if (b == null) {
            throw new IllegalArgumentException("no live buffer at 0x" + Long.toHexString(handle.address())
                    + " in kernel '" + definition.id() + "'");
        }
        if (handle.byteLength() > b.region.length()) {
            throw new IllegalArgumentException("handle claims " + handle.byteLength() + " bytes but the buffer has "
                    + b.region.length());
        }
        return b.region.slice(0, handle.byteLength());
    }

    @Override
    public String kernelId() {
        return definition.id();
    }

    @Override
    public MemoryRegion buffer(BufferHandle handle) {
        return resolveBuffer(handle);
    }

    @Override
    public boolean send(String kernel, Object message) {
        return handling("send").routes().send(definition.id(), kernel, message, 0, 0);
    }

    @Override
    public void forward(String kernel, Object message) {
        handling("forward").forward(kernel, message);
    }

    @Override
    public int publish(String topic, Object message) {
        return handling("publish").routes().publish(definition.id(), topic, message);
    }

    /** The loop, if the caller is its handler: a context kept and used later would act for another message. */
    private DispatchLoop handling(String operation) {
        DispatchLoop l = loop;
        if (l == null || !l.handling || Thread.currentThread() != thread) {
            throw new IllegalStateException("kernel '" + definition.id() + "': " + operation
                    + " works only inside the handler, on the kernel's thread");
        }
        return l;
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (thread != null && !exited) {
            forceStop();
            abandoned = true;
            return; // the thread frees the memory when it leaves (see DispatchLoop.run)
        }
        freeMemory();
    }

    private synchronized void freeMemory() {
        for (CpuBuffer b : buffers.values()) {
            NativeMemory.free(b.region);
        }
        buffers.clear();
        for (MemoryRegion r : shared) {
            NativeMemory.free(r);
        }
        shared.clear();
    }

    /** An off-heap buffer. */
    private final class CpuBuffer implements DeviceBuffer {

        final MemoryRegion region;
        private final BufferHandle handle;

        CpuBuffer(MemoryRegion region) {
            this.region = region;
            this.handle = new BufferHandle(region.address(), region.length());
        }

        @Override
        public BufferHandle handle() {
            return handle;
        }

        @Override
        public long byteLength() {
            return region.length();
        }

        @Override
        public void write(long index, float[] source, int from, int count) {
            live();
            region.putFloats(index * 4, source, from, count);
        }

        @Override
        public void read(long index, float[] target, int from, int count) {
            live();
            region.getFloats(index * 4, target, from, count);
        }

        private void live() {
            if (!region.isOwnedAndLive()) {
                throw new IllegalStateException("buffer was freed");
            }
        }

        @Override
        public void close() {
            if (buffers.remove(region.address(), this)) {
                NativeMemory.free(region);
            }
        }
    }

    /** The persistent loop. */
    private final class DispatchLoop implements Runnable, StatefulHandler.State<Object> {

        private final KernelChannel channel;
        private final MessageRing requests;
        private final MessageRing responses;
        private final ControlBlock control;
        private final MessageLayout<Object> requestLayout;
        private final MessageLayout<Object> responseLayout;
        private final MessageHandler<Object, Object> handler;
        private final MessageViewHandler<Object, Object> viewHandler;
        /** What a view handler reads: the request copied out of its slot into {@link #in}. */
        private final MessageView<Object> view;
        private final StatefulHandler<Object, Object, Object> stateful;
        private final Long2ObjectHashMap<Object> states = new Long2ObjectHashMap<>();
        private final ByteBuffer in;
        private final ByteBuffer out;
        private final int responseChunks;
        private final int batch;
        private long next;
        private long failed;
        private long key;
        private Object state;
        // The message being handled, for forward(): whose caller waits (see MessageRing.ORIGIN_SHIFT).
        private long correlation;
        private boolean replyOwed;
        private int origin;
        private boolean forwarded;
        /** True while the handler runs; read by the context methods on this same thread. */
        private boolean handling;

        @SuppressWarnings("unchecked")
        DispatchLoop(KernelChannel channel) {
            this.channel = channel;
            this.requests = channel.requests();
            this.responses = channel.responses();
            this.control = channel.control();
            this.requestLayout = (MessageLayout<Object>) definition.requestLayout();
            this.responseLayout = (MessageLayout<Object>) definition.responseLayout();
            this.handler = (MessageHandler<Object, Object>) definition.handler();
            this.viewHandler = (MessageViewHandler<Object, Object>) definition.viewHandler();
            this.view = MessageView.create(requestLayout, this);
            this.stateful = (StatefulHandler<Object, Object, Object>) definition.statefulHandler();
            this.in = ByteBuffer.allocate(requests.readBytes()).order(ByteOrder.LITTLE_ENDIAN);
            this.out = ByteBuffer.allocate(Math.max(4, (responseLayout.size() + 3) / 4 * 4)).order(ByteOrder.LITTLE_ENDIAN);
            this.responseChunks = (responseLayout.size() + 3) / 4;
            this.batch = definition.batchSize();
        }

        @Override
        public void run() {
            try {
                loop();
            } catch (Throwable t) {
                if (!abandoned) {
                    channel.engineFailed(t);
                }
            } finally {
                // Under the monitor close() holds: either close() has abandoned the thread, which then
                // frees the memory, or it will see the thread gone and free it itself; never neither.
                synchronized (CpuKernelEngine.this) {
                    exited = true;
                    if (abandoned) {
                        freeMemory();
                    } else {
                        control.markExited();
                    }
                }
            }
        }

        private void loop() {
            IdleStrategy idle = definition.newIdleStrategy();
            long beat = 0;
            while (true) {
                long command = control.runCommand();
                long run = command & 0xFF;
                if (run >= ControlBlock.TERMINATE || abandoned) {
                    return;
                }
                if (control.seenCommand() != command) {
                    control.seenCommand(command);
                }
                int work = run == ControlBlock.ACTIVE ? processBatch() : 0;
                if (abandoned) {
                    return;
                }
                work += channel.drainReplies(batch);
                control.heartbeat(++beat);
                if (run != ControlBlock.ACTIVE) {
                    // Launched or deactivated: park instead of spinning, whatever the idle strategy;
                    // activate() and terminate() unpark the thread, the timeout keeps the heartbeat going.
                    idle.reset();
                    LockSupport.parkNanos(INACTIVE_PARK_NANOS);
                } else if (work == 0) {
                    idle.idle();
                } else {
                    idle.reset();
                }
            }
        }

        private int processBatch() {
            int n = 0;
            while (n < batch && control.runState() == ControlBlock.ACTIVE && requests.tryRead(next, in)) {
                int flags = in.getInt(0);
                if ((flags & MessageRing.FLAG_SKIP) == 0) {
                    long correlation = MessageRing.correlationOf(in);
                    handle(correlation, (flags & MessageRing.FLAG_REPLY) != 0, in.getInt(12));
                    if (abandoned) {
                        return n;
                    }
                }
                next++;
                n++;
                if ((n & 31) == 0) {
                    // Hand slots back in groups: one release store per 32 messages instead of one each.
                    requests.releaseConsumed(next);
                    control.consumed(next);
                }
            }
            if ((n & 31) != 0) {
                requests.releaseConsumed(next);
                control.consumed(next);
            }
            return n;
        }

        KernelRoutes routes() {
            KernelRoutes r = channel.routes();
            if (r == null) {
                throw new UnsupportedOperationException("kernel '" + definition.id() + "' is not part of a network: "
                        + "messages between kernels need the kernels created together through io.ringkernel.graph.KernelNetwork");
            }
            return r;
        }

        void forward(String kernel, Object message) {
            if (forwarded) {
                throw new IllegalStateException("kernel '" + definition.id() + "' already forwarded this message");
            }
            KernelRoutes routes = routes();
            int owner = !replyOwed ? 0 : origin != 0 ? origin : routes.originOf(definition.id());
            if (!routes.send(definition.id(), kernel, message, correlation, owner)) {
                throw new MessageRejectedException("kernel '" + kernel + "': ring full, forwarded message dropped (DROP_NEWEST);"
                        + " the request it answers fails instead of waiting forever");
            }
            forwarded = true;
        }

        private void handle(long correlation, boolean reply, int origin) {
            this.correlation = correlation;
            this.replyOwed = reply;
            this.origin = origin;
            this.forwarded = false;
            try {
                handleMessage(reply);
            } finally {
                handling = false;
            }
        }

        private void handleMessage(boolean reply) {
            try {
                Object result;
                if (viewHandler != null) {
                    view.wrap(this, in, MessageRing.HEADER_CHUNKS * 4);
                    handling = true;
                    try {
                        result = viewHandler.handle(view, CpuKernelEngine.this);
                    } finally {
                        view.unwrap(this);
                    }
                } else {
                    Object message = requestLayout.decode(in, MessageRing.HEADER_CHUNKS * 4);
                    handling = true;
                    if (stateful != null) {
                        key = requestLayout.readKey(in, MessageRing.HEADER_CHUNKS * 4);
                        state = states.get(key);
                        if (state == null) {
                            state = stateful.initialState(key);
                        }
                        result = stateful.handle(message, this, CpuKernelEngine.this);
                        states.put(key, state);
                    } else {
                        result = handler.handle(message, CpuKernelEngine.this);
                    }
                }
                if (reply && !forwarded) {
                    if (result == null) {
                        throw new NullPointerException("handler of kernel '" + definition.id() + "' returned null");
                    }
                    responseLayout.encode(result, out, 0);
                    publishReply(correlation, MessageRing.STATUS_OK | origin << MessageRing.ORIGIN_SHIFT);
                }
            } catch (Throwable t) {
                if (abandoned) {
                    return;
                }
                if (t instanceof Error fatal) {
                    // The CPU's counterpart of a device trap (OutOfMemoryError, StackOverflowError, a failed
                    // assertion): the handler's state can no longer be trusted, so the whole kernel fails.
                    throw fatal;
                }
                control.failed(++failed);
                // Once forwarded, the reply belongs to the kernel downstream: a later failure here is only recorded.
                boolean answer = reply && !forwarded;
                channel.handlerFailed(correlation, origin, t, answer);
                if (answer) {
                    publishReply(correlation, MessageRing.STATUS_FAILED | origin << MessageRing.ORIGIN_SHIFT);
                }
            }
        }

        private void publishReply(long correlation, int status) {
            long seq;
            while ((seq = responses.tryClaimSingleProducer()) == MessageRing.FULL) {
                if (channel.drainReplies(batch) == 0) {
                    Thread.yield();
                }
            }
            boolean ok = (status & ((1 << MessageRing.ORIGIN_SHIFT) - 1)) == MessageRing.STATUS_OK;
            responses.publish(seq, status, correlation, 0, out, 0, ok ? responseChunks : 0);
        }

        @Override
        public long key() {
            return key;
        }

        @Override
        public Object get() {
            return state;
        }

        @Override
        public void set(Object next) {
            if (next == null) {
                throw new NullPointerException("state must not be null");
            }
            if (!definition.stateLayout().type().isInstance(next)) {
                throw new IllegalArgumentException("state must be a " + definition.stateLayout().type().getName());
            }
            state = next;
        }
    }
}
