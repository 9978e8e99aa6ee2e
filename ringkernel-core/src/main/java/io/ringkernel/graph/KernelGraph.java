package io.ringkernel.graph;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

import io.ringkernel.Backpressure;
import io.ringkernel.RingKernelDefinition;

/**
 * A set of kernel definitions whose links and topics ({@link RingKernelDefinition.Builder#linksTo},
 * {@link RingKernelDefinition.Builder#publishesTo}, {@link RingKernelDefinition.Builder#subscribesTo})
 * have been checked against each other: every link names a kernel of the set that takes the linked
 * type as its request; every subscriber of a topic takes the type its publishers declare; and no
 * cycle of routes runs through kernels that all BLOCK when full (under load each would wait for the
 * next forever). Creating the kernels is {@link KernelNetwork#create}.
 *
 * <p>Immutable and thread-safe.
 */
public final class KernelGraph {

    private final Map<String, RingKernelDefinition<?, ?>> definitions;
    private final Map<String, List<String>> edges;
    private final List<String> upstreamFirst;

    private KernelGraph(Map<String, RingKernelDefinition<?, ?>> definitions, Map<String, List<String>> edges) {
        this.definitions = definitions;
        this.edges = edges;
        this.upstreamFirst = List.copyOf(order(definitions, edges));
    }

    /**
     * Checks the definitions together.
     *
     * @throws IllegalArgumentException naming the kernel, link or topic: a duplicate id, a link to an
     *         unknown kernel or of the wrong type, a topic whose publishers and subscribers disagree on
     *         the type, or a cycle of blocking routes
     */
    public static KernelGraph of(Collection<? extends RingKernelDefinition<?, ?>> kernels) {
        Objects.requireNonNull(kernels, "kernels");
        Map<String, RingKernelDefinition<?, ?>> byId = new LinkedHashMap<>();
        for (RingKernelDefinition<?, ?> d : kernels) {
            Objects.requireNonNull(d, "kernel definition");
            if (byId.putIfAbsent(d.id(), d) != null) {
                throw new IllegalArgumentException("two kernels have the id '" + d.id() + "'");
            }
        }
        Map<String, List<String>> edges = new LinkedHashMap<>();
        Map<String, Class<?>> topicTypes = new LinkedHashMap<>();
        Map<String, String> topicPublisher = new LinkedHashMap<>();
        for (RingKernelDefinition<?, ?> d : byId.values()) {
            List<String> out = new ArrayList<>();
            d.links().forEach((to, type) -> {
                RingKernelDefinition<?, ?> target = byId.get(to);
                if (target == null) {
                    throw new IllegalArgumentException("kernel '" + d.id() + "' links to '" + to
                            + "', which is not among the kernels " + byId.keySet());
                }
                if (target.requestLayout().type() != type) {
                    throw new IllegalArgumentException("kernel '" + d.id() + "' sends " + type.getName() + " to '" + to
                            + "', which takes " + target.requestLayout().type().getName());
                }
                out.add(to);
            });
            d.publishes().forEach((topic, type) -> {
                Class<?> other = topicTypes.putIfAbsent(topic, type);
                if (other != null && other != type) {
                    throw new IllegalArgumentException("topic '" + topic + "': kernel '" + d.id() + "' publishes "
                            + type.getName() + ", kernel '" + topicPublisher.get(topic) + "' publishes " + other.getName());
                }
                topicPublisher.putIfAbsent(topic, d.id());
            });
            edges.put(d.id(), out);
        }
        for (RingKernelDefinition<?, ?> d : byId.values()) {
            for (String topic : d.subscriptions()) {
                Class<?> type = topicTypes.get(topic);
                if (type != null && d.requestLayout().type() != type) {
                    throw new IllegalArgumentException("kernel '" + d.id() + "' subscribes to topic '" + topic + "' of "
                            + type.getName() + " but takes " + d.requestLayout().type().getName());
                }
            }
        }
        for (RingKernelDefinition<?, ?> d : byId.values()) {
            for (String topic : d.publishes().keySet()) {
                for (RingKernelDefinition<?, ?> s : byId.values()) {
                    if (s.subscriptions().contains(topic)) {
                        edges.get(d.id()).add(s.id());
                    }
                }
            }
        }
        checkNoBlockingCycle(byId, edges);
        Map<String, List<String>> frozen = new LinkedHashMap<>();
        edges.forEach((k, v) -> frozen.put(k, List.copyOf(new LinkedHashSet<>(v))));
        return new KernelGraph(Collections.unmodifiableMap(byId), Collections.unmodifiableMap(frozen));
    }

    /** The definitions, in the order given. */
    public Collection<RingKernelDefinition<?, ?>> definitions() {
        return definitions.values();
    }

    /** The kernels each kernel's messages go to (links and topic subscribers), by id. */
    public Map<String, List<String>> routes() {
        return edges;
    }

    /** Whether any kernel declares a link or a topic. */
    public boolean hasRoutes() {
        return definitions.values().stream()
                .anyMatch(d -> !d.links().isEmpty() || !d.publishes().isEmpty() || !d.subscriptions().isEmpty());
    }

    /**
     * Ids in an order where every kernel comes before the kernels it sends to (kernels on a cycle,
     * which must contain a non-blocking kernel, keep their given order).
     */
    public List<String> upstreamFirst() {
        return upstreamFirst;
    }

    private static List<String> order(Map<String, RingKernelDefinition<?, ?>> definitions,
            Map<String, List<String>> edges) {
        Map<String, Integer> incoming = new LinkedHashMap<>();
        definitions.keySet().forEach(id -> incoming.put(id, 0));
        edges.values().forEach(targets -> targets.forEach(t -> incoming.merge(t, 1, Integer::sum)));
        List<String> order = new ArrayList<>();
        Set<String> left = new LinkedHashSet<>(definitions.keySet());
        while (!left.isEmpty()) {
            String next = left.stream().filter(id -> incoming.get(id) == 0).findFirst().orElse(left.iterator().next());
            left.remove(next);
            order.add(next);
            for (String t : edges.get(next)) {
                incoming.merge(t, -1, Integer::sum);
            }
        }
        return order;
    }

    private static void checkNoBlockingCycle(Map<String, RingKernelDefinition<?, ?>> byId, Map<String, List<String>> edges) {
        // Only kernels that block when full can wait on each other forever; a REJECT or DROP_NEWEST
        // kernel on a cycle breaks the wait (the sender's message fails or is counted as dropped).
        Map<String, Integer> color = new LinkedHashMap<>();
        for (String start : byId.keySet()) {
            List<String> path = new ArrayList<>();
            findCycle(start, byId, edges, color, path);
        }
    }

    private static void findCycle(String id, Map<String, RingKernelDefinition<?, ?>> byId, Map<String, List<String>> edges,
            Map<String, Integer> color, List<String> path) {
        if (byId.get(id).backpressure() != Backpressure.BLOCK) {
            return;
        }
        Integer c = color.get(id);
        if (c != null && c == 2) {
            return;
        }
        if (c != null && c == 1) {
            List<String> cycle = new ArrayList<>(path.subList(path.indexOf(id), path.size()));
            cycle.add(id);
            throw new IllegalArgumentException("kernels " + String.join(" -> ", cycle) + " form a cycle in which every "
                    + "kernel blocks when its ring is full, so under load they can wait for each other forever; give one "
                    + "of them backpressure REJECT or DROP_NEWEST, or break the cycle");
        }
        color.put(id, 1);
        path.add(id);
        for (String next : edges.get(id)) {
            findCycle(next, byId, edges, color, path);
        }
        path.remove(path.size() - 1);
        color.put(id, 2);
    }
}
