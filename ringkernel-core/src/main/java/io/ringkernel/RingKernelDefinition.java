package io.ringkernel;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;

import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;

import io.ringkernel.layout.LayoutException;
import io.ringkernel.layout.MessageLayout;
import io.ringkernel.ring.MessageRing;

/**
 * Everything needed to create a ring kernel on any backend: id, message types (validated into
 * {@link MessageLayout}s when {@link Builder#build()} runs), the CPU handler, the CUDA handler
 * source, ring capacity and policies.
 *
 * <p>Immutable and thread-safe; one definition can create many kernels.
 *
 * @param <I> request record
 * @param <O> response record
 */
public final class RingKernelDefinition<I, O> {

    /**
     * Longest timeout a kernel takes: {@link Long#MAX_VALUE} nanoseconds, about 292 years. Waits are
     * timed in nanoseconds, so a longer one could not be timed and is refused when it is given.
     */
    public static final Duration MAX_TIMEOUT = Duration.ofNanos(Long.MAX_VALUE);

    private final String id;
    private final MessageLayout<I> requestLayout;
    private final MessageLayout<O> responseLayout;
    private final MessageHandler<I, O> handler;
    private final MessageViewHandler<I, O> viewHandler;
    private final StatefulHandler<?, I, O> statefulHandler;
    private final MessageLayout<?> stateLayout;
    private final String cudaSource;
    private final int capacity;
    private final Backpressure backpressure;
    private final Duration blockTimeout;
    private final Duration shutdownTimeout;
    private final Duration replySpin;
    private final int batchSize;
    private final Supplier<IdleStrategy> idleStrategy;
    private final int cudaBlockSize;
    private final Map<String, Class<?>> links;
    private final Map<String, Class<?>> publishes;
    private final Set<String> subscriptions;

    private RingKernelDefinition(Builder<I, O> b) {
        this.id = b.id;
        this.requestLayout = b.requestLayout;
        this.responseLayout = b.responseLayout;
        this.handler = b.handler;
        this.viewHandler = b.viewHandler;
        this.statefulHandler = b.statefulHandler;
        this.stateLayout = b.stateLayout;
        this.cudaSource = b.cudaSource;
        this.capacity = b.capacity;
        this.backpressure = b.backpressure;
        this.blockTimeout = b.blockTimeout;
        this.shutdownTimeout = b.shutdownTimeout;
        this.replySpin = b.replySpin;
        this.batchSize = b.batchSize;
        this.idleStrategy = b.idleStrategy;
        this.cudaBlockSize = b.cudaBlockSize;
        this.links = Collections.unmodifiableMap(new LinkedHashMap<>(b.links));
        this.publishes = Collections.unmodifiableMap(new LinkedHashMap<>(b.publishes));
        this.subscriptions = Collections.unmodifiableSet(new LinkedHashSet<>(b.subscriptions));
    }

    /**
     * Starts a definition.
     *
     * @throws LayoutException if either type cannot be a message (naming record and component)
     */
    public static <I, O> Builder<I, O> builder(String id, Class<I> requestType, Class<O> responseType) {
        return new Builder<>(id, requestType, responseType);
    }

    public String id() {
        return id;
    }

    public MessageLayout<I> requestLayout() {
        return requestLayout;
    }

    public MessageLayout<O> responseLayout() {
        return responseLayout;
    }

    /** The stateless CPU handler taking records, or {@code null}. */
    public MessageHandler<I, O> handler() {
        return handler;
    }

    /** The stateless CPU handler reading requests in place, or {@code null}. */
    public MessageViewHandler<I, O> viewHandler() {
        return viewHandler;
    }

    /** Whether the CPU backend can run this kernel: it has a CPU handler of one of the three kinds. */
    public boolean hasCpuHandler() {
        return handler != null || viewHandler != null || statefulHandler != null;
    }

    /** The stateful CPU handler, or {@code null}. */
    public StatefulHandler<?, I, O> statefulHandler() {
        return statefulHandler;
    }

    /** Layout of the per-key state of a stateful kernel, or {@code null}. */
    public MessageLayout<?> stateLayout() {
        return stateLayout;
    }

    /** Class-path resource of the CUDA handler ({@code .cu}), or {@code null}. */
    public String cudaSource() {
        return cudaSource;
    }

    /** Request ring capacity (the response ring has the same). */
    public int capacity() {
        return capacity;
    }

    public Backpressure backpressure() {
        return backpressure;
    }

    public Duration blockTimeout() {
        return blockTimeout;
    }

    /** How long {@link RingKernel#close()} lets the kernel drain. */
    public Duration shutdownTimeout() {
        return shutdownTimeout;
    }

    /** How long a waiting {@code join()/get()} spins (helping drain replies) before it parks. */
    public Duration replySpin() {
        return replySpin;
    }

    /** Most messages the loop takes per pass before it services replies and control. */
    public int batchSize() {
        return batchSize;
    }

    /** Threads of the kernel's persistent CUDA block, or 0 for the backend's default. */
    public int cudaBlockSize() {
        return cudaBlockSize;
    }

    /** The kernels this kernel's handler may send to, with the message type sent to each, in declaration order. */
    public Map<String, Class<?>> links() {
        return links;
    }

    /** The topics this kernel's handler may publish to, with the message type of each. */
    public Map<String, Class<?>> publishes() {
        return publishes;
    }

    /** The topics this kernel receives: every message published to one of them arrives as a request. */
    public Set<String> subscriptions() {
        return subscriptions;
    }

    /** A fresh idle strategy for the kernel's host-side loop. */
    public IdleStrategy newIdleStrategy() {
        return idleStrategy.get();
    }

    /**
     * A builder preset with every setting of this definition, to derive a variant of it (another
     * capacity, policy or timeout) without repeating the handlers. This definition is unchanged.
     */
    public Builder<I, O> toBuilder() {
        return new Builder<>(this);
    }

    /** 64-bit words per request slot in the tagged format that a device reads ({@link io.ringkernel.ring.SlotFormat#TAGGED}). */
    public int requestSlotWords() {
        return MessageRing.slotWordsFor(requestLayout.size());
    }

    /** 64-bit words per response slot in the tagged format that a device writes ({@link io.ringkernel.ring.SlotFormat#TAGGED}). */
    public int responseSlotWords() {
        return MessageRing.slotWordsFor(responseLayout.size());
    }

    /**
     * Builder; not thread-safe.
     *
     * @param <I> request record
     * @param <O> response record
     */
    public static final class Builder<I, O> {

        private final String id;
        private final MessageLayout<I> requestLayout;
        private final MessageLayout<O> responseLayout;
        private MessageHandler<I, O> handler;
        private MessageViewHandler<I, O> viewHandler;
        private StatefulHandler<?, I, O> statefulHandler;
        private MessageLayout<?> stateLayout;
        private String cudaSource;
        private int capacity = 1024;
        private Backpressure backpressure = Backpressure.BLOCK;
        private Duration blockTimeout = Duration.ofSeconds(1);
        private Duration shutdownTimeout = Duration.ofSeconds(5);
        private Duration replySpin = Duration.ofNanos(50_000);
        private int batchSize = 256;
        private Supplier<IdleStrategy> idleStrategy =
                () -> new BackoffIdleStrategy(1000, 100, 1_000, 200_000);
        private int cudaBlockSize;
        private final Map<String, Class<?>> links = new LinkedHashMap<>();
        private final Map<String, Class<?>> publishes = new LinkedHashMap<>();
        private final Set<String> subscriptions = new LinkedHashSet<>();

        private Builder(RingKernelDefinition<I, O> d) {
            this.id = d.id;
            this.requestLayout = d.requestLayout;
            this.responseLayout = d.responseLayout;
            this.handler = d.handler;
            this.viewHandler = d.viewHandler;
            this.statefulHandler = d.statefulHandler;
            this.stateLayout = d.stateLayout;
            this.cudaSource = d.cudaSource;
            this.capacity = d.capacity;
            this.backpressure = d.backpressure;
            this.blockTimeout = d.blockTimeout;
            this.shutdownTimeout = d.shutdownTimeout;
            this.replySpin = d.replySpin;
            this.batchSize = d.batchSize;
            this.idleStrategy = d.idleStrategy;
            this.cudaBlockSize = d.cudaBlockSize;
            this.links.putAll(d.links);
            this.publishes.putAll(d.publishes);
            this.subscriptions.addAll(d.subscriptions);
        }

        private Builder(String id, Class<I> requestType, Class<O> responseType) {
            checkName("kernel id", id);
            this.id = id;
            this.requestLayout = MessageLayout.of(Objects.requireNonNull(requestType, "requestType"));
            this.responseLayout = MessageLayout.of(Objects.requireNonNull(responseType, "responseType"));
        }

        /** The CPU handler of a stateless kernel. */
        public Builder<I, O> handler(MessageHandler<I, O> cpuHandler) {
            this.handler = Objects.requireNonNull(cpuHandler, "handler");
            return this;
        }

        /**
         * The CPU handler of a stateless kernel that reads each request in place instead of as a
         * record ({@link MessageView}): nothing allocated per request.
         */
        public Builder<I, O> viewHandler(MessageViewHandler<I, O> cpuHandler) {
            this.viewHandler = Objects.requireNonNull(cpuHandler, "viewHandler");
            return this;
        }

        /**
         * The CPU handler of a stateful kernel; the request type must have a
         * {@link io.ringkernel.layout.Key} component.
         */
        public <S> Builder<I, O> statefulHandler(Class<S> stateType, StatefulHandler<S, I, O> cpuHandler) {
            if (requestLayout.keyField() == null) {
                throw new LayoutException(requestLayout.type().getSimpleName()
                        + ": a stateful kernel's request needs an int or long component marked @Key");
            }
            this.stateLayout = MessageLayout.of(Objects.requireNonNull(stateType, "stateType"));
            this.statefulHandler = Objects.requireNonNull(cpuHandler, "statefulHandler");
            return this;
        }

        /** Class-path resource holding the CUDA {@code __device__} handler. */
        public Builder<I, O> cudaSource(String resource) {
            this.cudaSource = Objects.requireNonNull(resource, "cudaSource");
            return this;
        }

        /** Ring capacity in messages: a power of two between 2 and 2^24. Default 1024. */
        public Builder<I, O> capacity(int slots) {
            MessageRing.checkCapacity(slots);
            this.capacity = slots;
            return this;
        }

        /** Policy when the ring is full. Default {@link Backpressure#BLOCK}. */
        public Builder<I, O> backpressure(Backpressure policy) {
            this.backpressure = Objects.requireNonNull(policy, "backpressure");
            return this;
        }

        /** Longest wait for room under {@link Backpressure#BLOCK}, 0 to {@link #MAX_TIMEOUT}. Default 1 s. */
        public Builder<I, O> blockTimeout(Duration timeout) {
            this.blockTimeout = nonNegative("blockTimeout", timeout);
            return this;
        }

        /** Longest drain on {@link RingKernel#close()}, 0 to {@link #MAX_TIMEOUT}. Default 5 s. */
        public Builder<I, O> shutdownTimeout(Duration timeout) {
            this.shutdownTimeout = nonNegative("shutdownTimeout", timeout);
            return this;
        }

        /** How long a waiting caller spins before parking, 0 to {@link #MAX_TIMEOUT}. Default 50 µs. */
        public Builder<I, O> replySpin(Duration spin) {
            this.replySpin = nonNegative("replySpin", spin);
            return this;
        }

        /** Most messages per loop pass, 1 to 65536. Default 256. */
        public Builder<I, O> batchSize(int messages) {
            if (messages < 1 || messages > 65536) {
                throw new IllegalArgumentException("batchSize must be between 1 and 65536, was " + messages);
            }
            this.batchSize = messages;
            return this;
        }

        /**
         * Threads of the persistent block that runs this kernel on CUDA: a multiple of 32 from 32 to
         * 1024. Default: the backend's ({@code ringkernel.cuda.block-size}). Ignored by the CPU backend.
         */
        public Builder<I, O> cudaBlockSize(int threads) {
            if (threads < 32 || threads > 1024 || threads % 32 != 0) {
                throw new IllegalArgumentException("cudaBlockSize must be a multiple of 32 between 32 and 1024, was " + threads);
            }
            this.cudaBlockSize = threads;
            return this;
        }

        /**
         * Lets the handler send messages of {@code messageType} to kernel {@code kernel}
         * ({@link KernelContext#send}, {@link KernelContext#forward}). The target must exist, take
         * that type as its request, and not close a cycle of blocking links: {@link
         * io.ringkernel.graph.KernelGraph} checks when the kernels are put together.
         */
        public Builder<I, O> linksTo(String kernel, Class<?> messageType) {
            checkName("linked kernel id", kernel);
            links.put(kernel, Objects.requireNonNull(messageType, "messageType"));
            return this;
        }

        /** Lets the handler publish messages of {@code messageType} to {@code topic} ({@link KernelContext#publish}). */
        public Builder<I, O> publishesTo(String topic, Class<?> messageType) {
            checkName("topic", topic);
            publishes.put(topic, Objects.requireNonNull(messageType, "messageType"));
            return this;
        }

        /** Makes every message published to {@code topic} a request of this kernel (one-way: no reply goes back). */
        public Builder<I, O> subscribesTo(String topic) {
            checkName("topic", topic);
            subscriptions.add(topic);
            return this;
        }

        /** Idle strategy of the host-side loop (spin → yield → park by default). */
        public Builder<I, O> idleStrategy(Supplier<IdleStrategy> strategy) {
            this.idleStrategy = Objects.requireNonNull(strategy, "idleStrategy");
            return this;
        }

        /**
         * Validates and builds.
         *
         * @throws IllegalStateException if no handler of any kind was given
         */
        public RingKernelDefinition<I, O> build() {
            int cpuHandlers = (handler != null ? 1 : 0) + (viewHandler != null ? 1 : 0) + (statefulHandler != null ? 1 : 0);
            if (cpuHandlers > 1) {
                throw new IllegalStateException("kernel '" + id + "': give one CPU handler (handler, viewHandler or "
                        + "statefulHandler), not " + cpuHandlers);
            }
            if (cpuHandlers == 0 && cudaSource == null) {
                throw new IllegalStateException("kernel '" + id + "' has no handler: give a CPU handler, a CUDA source, or both");
            }
            return new RingKernelDefinition<>(this);
        }

        private static void checkName(String what, String name) {
            if (name == null || name.isBlank() || !name.matches("[A-Za-z0-9][A-Za-z0-9_.-]*")) {
                throw new IllegalArgumentException(what + " must be letters, digits, '_', '.', '-' and not blank: '" + name + "'");
            }
        }

        private static Duration nonNegative(String name, Duration d) {
            Objects.requireNonNull(d, name);
            if (d.isNegative()) {
                throw new IllegalArgumentException(name + " must not be negative: " + d);
            }
            if (d.compareTo(MAX_TIMEOUT) > 0) {
                throw new IllegalArgumentException(name + " must be at most " + MAX_TIMEOUT
                        + " (Long.MAX_VALUE nanoseconds): " + d);
            }
            return d;
        }
    }
}
