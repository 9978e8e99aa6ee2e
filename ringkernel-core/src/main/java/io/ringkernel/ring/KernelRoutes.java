package io.ringkernel.ring;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

import io.ringkernel.MessageRejectedException;
import io.ringkernel.RingKernelDefinition;

/**
 * The routing table of a network of kernels: which kernel may send what to which, and which
 * kernels each topic reaches. Messages between kernels go straight into the target's request ring
 * from the sender's handler, under the target's backpressure policy; a forwarded request carries
 * its origin (the kernel whose caller waits) and correlation id, so the reply of the last kernel
 * of a chain completes the first kernel's future. Built by {@code KernelNetwork} from a validated
 * {@code KernelGraph}.
 *
 * <p>Thread-safety: immutable after {@link #wire}; the counters are {@link LongAdder}s; sending is
 * thread-safe as the target's send path is.
 */
public final class KernelRoutes {

    /**
     * An origin packs the origin kernel's network index plus one (low 12 bits) and the number of its
     * session (next 12 bits), so it fits the reply's status word above {@link MessageRing#ORIGIN_SHIFT}.
     */
    static final int EPOCH_MASK = 0xFFF;
    private static final int INDEX_BITS = 12;
    /** Most kernels one network can hold. */
    public static final int MAX_KERNELS = (1 << INDEX_BITS) - 1;

    private final List<HostRingKernel<?, ?>> kernels;
    private final Map<String, Map<String, Class<?>>> topicTypes = new HashMap<>();
    private final Map<String, Integer> indexes = new HashMap<>();
    private final Map<String, Map<String, Route>> links = new HashMap<>();
    private final Map<String, Map<String, Route[]>> topics = new HashMap<>();
    private final List<Route> all = new ArrayList<>();
    private Object attachment;

    /** Counters of one route: one link, or one topic's delivery to one subscriber. */
    public static final class Route {
        private final String from;
        private final String to;
        private final String topic;
        private final Class<?> type;
        private final boolean forwardable;
        private final HostRingKernel<?, ?> target;
        private final LongAdder sent = new LongAdder();
        private final LongAdder dropped = new LongAdder();
        private final LongAdder rejected = new LongAdder();
        private volatile RouteCounters device;

        Route(String from, String to, String topic, Class<?> type, boolean forwardable, HostRingKernel<?, ?> target) {
            this.from = from;
            this.to = to;
            this.topic = topic;
            this.type = type;
            this.forwardable = forwardable;
            this.target = target;
        }

        public String from() {
            return from;
        }

        public String to() {
            return to;
        }

        /** Whether a request may be forwarded on it: the target answers the sender's response type. */
        public boolean forwardable() {
            return forwardable;
        }

        /** The topic, or {@code null} for a direct link. */
        public String topic() {
            return topic;
        }

        public long sent() {
            RouteCounters d = device;
            return d != null ? d.sent() : sent.sum();
        }

        public long dropped() {
            RouteCounters d = device;
            return d != null ? d.dropped() : dropped.sum();
        }

        /** Messages the target refused: REJECT, a BLOCK timeout, or not accepting messages (stopped). */
        public long rejected() {
            RouteCounters d = device;
            return d != null ? d.rejected() : rejected.sum();
        }

        /**
         * Messages waiting for the target now: in its request ring, or, for a route that runs on
         * the device, in the route's own ring.
         */
        public int targetQueueDepth() {
            RouteCounters d = device;
            return d != null ? d.queueDepth() : target.requestDepth();
        }

        /** How the route travels: {@code host ring} on the CPU, else what the backend reported. */
        public String path() {
            RouteCounters d = device;
            return d != null ? d.path() : "host ring";
        }

        /**
         * Hands counting to the backend whose kernels send on this route themselves (a device
         * writes the route's ring without the host); set once, when the network is connected.
         */
        public void countedBy(RouteCounters counters) {
            this.device = counters;
        }

        boolean deliver(Object message, long correlation, int origin) {
            try {
                boolean accepted = target.acceptLinked(message, correlation, origin);
                (accepted ? sent : dropped).increment();
                return accepted;
            } catch (RuntimeException e) {
                rejected.increment();
                throw e;
            }
        }
    }

    /** The counters of a route whose messages a device sends itself. Thread-safe reads. */
    public interface RouteCounters {
        long sent();

        long dropped();

        long rejected();

        int queueDepth();

        /** Where the route's ring lives, e.g. {@code device memory} or {@code pinned host memory}. */
        String path();
    }

    private KernelRoutes(List<HostRingKernel<?, ?>> kernels) {
        this.kernels = List.copyOf(kernels);
    }

    /**
     * Wires {@code kernels} (created, not launched) into one network: every link and topic their
     * definitions declare. The caller has validated the graph (targets exist, types match).
     */
    public static KernelRoutes wire(List<HostRingKernel<?, ?>> kernels) {
        if (kernels.size() > MAX_KERNELS) {
            throw new IllegalArgumentException("a network holds at most " + MAX_KERNELS + " kernels, not " + kernels.size());
        }
        KernelRoutes r = new KernelRoutes(kernels);
        Map<String, List<HostRingKernel<?, ?>>> subscribers = new LinkedHashMap<>();
        for (int i = 0; i < kernels.size(); i++) {
            HostRingKernel<?, ?> k = kernels.get(i);
            r.indexes.put(k.id(), i);
            for (String topic : k.definition().subscriptions()) {
                subscribers.computeIfAbsent(topic, t -> new ArrayList<>()).add(k);
            }
        }
        for (HostRingKernel<?, ?> k : kernels) {
            RingKernelDefinition<?, ?> d = k.definition();
            Map<String, Route> out = new HashMap<>();
            d.links().forEach((to, type) -> {
                Integer index = r.indexes.get(to);
                if (index == null) {
                    throw new IllegalArgumentException("kernel '" + d.id() + "' links to '" + to + "', which is not in the network");
                }
                HostRingKernel<?, ?> target = kernels.get(index);
                boolean forwardable = target.definition().responseLayout().type() == d.responseLayout().type();
                Route route = new Route(d.id(), to, null, type, forwardable, target);
                out.put(to, route);
                r.all.add(route);
            });
            r.links.put(d.id(), out);
            Map<String, Route[]> pub = new HashMap<>();
            d.publishes().forEach((topic, type) -> {
                List<HostRingKernel<?, ?>> subs = subscribers.getOrDefault(topic, List.of());
                Route[] routes = new Route[subs.size()];
                for (int i = 0; i < routes.length; i++) {
                    routes[i] = new Route(d.id(), subs.get(i).id(), topic, type, false, subs.get(i));
                    r.all.add(routes[i]);
                }
                pub.put(topic, routes);
            });
            r.topics.put(d.id(), pub);
            r.topicTypes.put(d.id(), d.publishes());
        }
        for (HostRingKernel<?, ?> k : kernels) {
            k.joinNetwork(r);
        }
        return r;
    }

    /**
     * Attaches what a backend built for this network's routes (CUDA: the device-resident rings),
     * for its kernels to find at launch. Once.
     */
    public synchronized void attach(Object backendRoutes) {
        if (attachment != null) {
            throw new IllegalStateException("the network's routes are connected already");
        }
        attachment = backendRoutes;
    }

    /** What {@link #attach} attached, if it is a {@code type}; else {@code null}. */
    public synchronized <T> T attachment(Class<T> type) {
        return type.isInstance(attachment) ? type.cast(attachment) : null;
    }

    /** The routes from kernel {@code from}: its links in declaration order, then each topic's subscribers. */
    public List<Route> routesFrom(String from) {
        return all.stream().filter(r -> r.from.equals(from)).toList();
    }

    /** Every route, links first in declaration order per kernel. */
    public List<Route> routes() {
        return List.copyOf(all);
    }

    /** The definition of kernel {@code id} of this network. */
    public RingKernelDefinition<?, ?> definitionOf(String id) {
        Integer index = indexes.get(id);
        if (index == null) {
            throw new IllegalArgumentException("no kernel '" + id + "' in this network");
        }
        return kernels.get(index).definition();
    }

    /** The origin that stands for the caller of kernel {@code id}'s current session (see {@link #EPOCH_MASK}). */
    public int originOf(String id) {
        int index = indexes.get(id);
        return (kernels.get(index).sessionEpoch() & EPOCH_MASK) << INDEX_BITS | (index + 1);
    }

    /** Whether {@code thread} is dispatching the replies of any kernel of this network now. */
    boolean isDrainingReplies(Thread thread) {
        for (HostRingKernel<?, ?> k : kernels) {
            if (k.isDrainingReplies(thread)) {
                return true;
            }
        }
        return false;
    }

    /** Helps dispatch the published replies of every kernel of the network; returns how many. */
    int helpDrain() {
        int n = 0;
        for (HostRingKernel<?, ?> k : kernels) {
            n += k.helpDrainReplies();
        }
        return n;
    }

    /** The spinning-caller counts of the other kernels' launches, for a caller of {@code origin} whose reply any of them may bring. */
    AtomicInteger[] spinningCallerCounts(HostRingKernel<?, ?> origin) {
        List<AtomicInteger> counts = new ArrayList<>(kernels.size());
        for (HostRingKernel<?, ?> k : kernels) {
            AtomicInteger c = k == origin ? null : k.spinningCallers();
            if (c != null) {
                counts.add(c);
            }
        }
        return counts.toArray(new AtomicInteger[0]);
    }

    HostRingKernel<?, ?> originKernel(int origin) {
        return kernels.get((origin & MAX_KERNELS) - 1);
    }

    private static int epochOf(int origin) {
        return origin >>> INDEX_BITS & EPOCH_MASK;
    }

    void completeForwarded(int origin, long correlation, int status, ByteBuffer reply) {
        originKernel(origin).completeForwarded(correlation, epochOf(origin), status, reply);
    }

    void forwardedFailed(int origin, long correlation, Throwable cause) {
        originKernel(origin).forwardedFailed(correlation, epochOf(origin), cause);
    }

    void forwardedLost(int origin, long correlation, Throwable cause) {
        originKernel(origin).forwardedLost(correlation, epochOf(origin), cause);
    }

    /**
     * Sends from kernel {@code from}'s handler to linked kernel {@code to}.
     *
     * @param origin 0 for a one-way message; else the origin whose caller waits for the reply
     * @return {@code false} if the target dropped it (DROP_NEWEST, full ring)
     * @throws IllegalArgumentException if no such link was declared or the message has another type
     * @throws IllegalStateException if a reply is owed but the target answers another type
     * @throws MessageRejectedException if the target refused it (REJECT, or BLOCK timed out)
     */
    public boolean send(String from, String to, Object message, long correlation, int origin) {
        Route route = links.getOrDefault(from, Map.of()).get(to);
        if (route == null) {
            throw new IllegalArgumentException("kernel '" + from + "' has no link to '" + to
                    + "'; declare it with linksTo(\"" + to + "\", <message type>)");
        }
        checkType(route, message);
        if (origin != 0 && !route.forwardable) {
            throw new IllegalStateException("kernel '" + from + "' cannot forward a request to '" + to + "': '" + to
                    + "' answers " + route.target.definition().responseLayout().type().getName() + ", the caller waits for "
                    + kernels.get(indexes.get(from)).definition().responseLayout().type().getName());
        }
        return route.deliver(message, correlation, origin);
    }

    /**
     * Publishes from kernel {@code from}'s handler to every subscriber of {@code topic}, once each,
     * one-way. A subscriber that refuses does not stop delivery to the others.
     *
     * @return how many subscribers accepted it
     * @throws IllegalArgumentException if {@code from} does not publish to {@code topic} or the type differs
     * @throws MessageRejectedException after trying every subscriber, if any refused it (or the
     *         {@link IllegalStateException} of a subscriber that does not accept messages now)
     */
    public int publish(String from, String topic, Object message) {
        Route[] routes = topics.getOrDefault(from, Map.of()).get(topic);
        if (routes == null) {
            throw new IllegalArgumentException("kernel '" + from + "' does not publish to topic '" + topic
                    + "'; declare it with publishesTo(\"" + topic + "\", <message type>)");
        }
        Class<?> type = topicTypes.get(from).get(topic);
        if (!type.isInstance(message)) {
            throw new IllegalArgumentException("kernel '" + from + "' publishes " + type.getName() + " to topic '" + topic
                    + "', not " + (message == null ? "null" : message.getClass().getName()));
        }
        int accepted = 0;
        RuntimeException refused = null;
        for (Route route : routes) {
            try {
                if (route.deliver(message, 0, 0)) {
                    accepted++;
                }
            } catch (RuntimeException e) {
                if (refused == null) {
                    refused = e;
                } else {
                    refused.addSuppressed(e);
                }
            }
        }
        if (refused != null) {
            throw refused;
        }
        return accepted;
    }

    private static void checkType(Route route, Object message) {
        if (!route.type.isInstance(message)) {
            throw new IllegalArgumentException("kernel '" + route.from + "' sends " + route.type.getName() + " to '"
                    + route.to + "'" + (route.topic != null ? " through topic '" + route.topic + "'" : "") + ", not "
                    + (message == null ? "null" : message.getClass().getName()));
        }
    }
}
