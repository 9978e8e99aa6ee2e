package io.ringkernel.cuda;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.ringkernel.Backpressure;
import io.ringkernel.RingKernelDefinition;
import io.ringkernel.memory.MemoryRegion;
import io.ringkernel.ring.KernelRoutes;

/**
 * The rings between the kernels of one network on CUDA: one single-producer ring per route (a link,
 * or one topic's delivery to one subscriber), written by the sender's handler block and polled by
 * the target's, with no host thread in between. Protocol and header: {@code rk_links.cuh}.
 *
 * <p>Where a ring lives, reported per route as {@link KernelRoutes.Route#path()}:
 * <ul>
 *   <li>{@link Path#DEVICE}: sender and target share a context, so the target's device memory;</li>
 *   <li>{@link Path#PEER}: they run on two devices that can address each other's memory
 *       ({@code cuDeviceCanAccessPeer}; {@code cuCtxEnablePeerAccess} is enabled for the sender's
 *       context): the target's device memory, written over NVLink or PCIe;</li>
 *   <li>{@link Path#HOST_STAGED}: otherwise, or when {@link CudaOptions#hostStagedLinks()} asks for
 *       it: pinned host memory that every context maps (the sender writes it across the bus, the
 *       target polls it across the bus).</li>
 * </ul>
 *
 * <p>Counters: each kernel's block copies its links' counters (sent, dropped, rejected, claimed)
 * and its incoming rings' consumer indexes into a small region of mapped host memory whenever they
 * change; the routes read them from there ({@link KernelRoutes.Route#countedBy}), so telemetry never
 * reads device memory.
 *
 * <p>Thread-safety: built once by {@link #connect}; the counters may be read from any thread.
 * Native memory: owns the rings and counter regions, carved from the kernels' contexts' arenas;
 * {@link #close} returns them and must come after every kernel of the network has stopped.
 */
public final class DeviceLinks implements AutoCloseable {

    /** Most outgoing routes of one kernel (links plus topic subscribers); RK_MAX_OUT. */
    public static final int MAX_OUT = 16;
    /** Most incoming rings of one kernel including its intake ring; RK_MAX_IN. */
    public static final int MAX_IN = 16;
    /** Most topics one kernel publishes to; RK_MAX_TOPICS. */
    public static final int MAX_TOPICS = 8;
    static final long CONSUMER = 0;
    static final long SLOTS = 256;
    /** Counter region: 4 words per outgoing route, then one per incoming ring. */
    static final int STATS_IN = 4 * MAX_OUT;
    static final int STATS_BYTES = (STATS_IN + MAX_IN) * 8;
    static final int FLAG_FORWARDABLE = 1;
    static final int FLAG_SYSTEM = 2;

    /** Where a ring between two kernels lives. */
    public enum Path {
        DEVICE("device memory"),
        PEER("peer device memory (P2P)"),
        HOST_STAGED("pinned host memory (host-staged)");

        private final String label;

        Path(String label) {
            this.label = label;
        }

        @Override
        public String toString() {
            return label;
        }
    }

    /** One route's ring. */
    final class Ring implements KernelRoutes.RouteCounters {
        final KernelRoutes.Route route;
        final CudaContext owner;
        final DeviceArena.DeviceMemory device;
        final CudaContext.HostMemory host;
        final Path path;
        /** The ring as the launches of both its ends see it. */
        final LaunchParams.Edge edge;
        final int outIndex;
        final int inIndex;

        Ring(KernelRoutes.Route route, CudaContext owner, DeviceArena.DeviceMemory device, CudaContext.HostMemory host,
                Path path, RingKernelDefinition<?, ?> target, int outIndex, int inIndex) {
            this.route = route;
            this.owner = owner;
            this.device = device;
            this.host = host;
            this.path = path;
            int policy = switch (target.backpressure()) {
                case BLOCK -> 0;
                case REJECT -> 1;
                case DROP_NEWEST -> 2;
            };
            int flags = (route.forwardable() ? FLAG_FORWARDABLE : 0) | (path != Path.DEVICE ? FLAG_SYSTEM : 0);
            long blockTimeout = target.backpressure() == Backpressure.BLOCK ? target.blockTimeout().toNanos() : 0;
            this.edge = new LaunchParams.Edge(device != null ? device.address() : host.deviceAddress(), target.capacity(),
                    target.requestSlotWords(), policy, flags, blockTimeout);
            this.outIndex = outIndex;
            this.inIndex = inIndex;
        }

        private long senderWord(int word) {
            return stats.get(route.from()).region().getLongAcquire((4L * outIndex + word) * 8);
        }

        @Override
        public long sent() {
            return senderWord(0);
        }

        @Override
        public long dropped() {
            return senderWord(1);
        }

        @Override
        public long rejected() {
            return senderWord(2);
        }

        @Override
        public int queueDepth() {
            long claimed = senderWord(3);
            long consumed = stats.get(route.to()).region().getLongAcquire((long) (STATS_IN + inIndex) * 8);
            return (int) Math.max(0, Math.min(edge.capacity(), claimed - consumed));
        }

        @Override
        public String path() {
            return path.toString();
        }
    }

    /**
     * What one kernel's launch needs.
     *
     * @param stats device address of its counter region
     * @param out its outgoing rings, numbered as its generated rk_send_/rk_publish_ functions
     * @param in its incoming rings (index 1 on; 0 is the intake ring its engine makes)
     * @param topicFirst per topic it publishes to, in declaration order: the index in {@code out}
     *        of the topic's first subscriber
     * @param topicSize per topic: the number of subscribers
     */
    record Plan(long stats, List<LaunchParams.Edge> out, List<LaunchParams.Edge> in, int[] topicFirst, int[] topicSize) {
    }

    private final Map<String, CudaContext> contexts = new LinkedHashMap<>();
    private final Map<String, CudaContext.HostMemory> stats = new HashMap<>();
    private final List<Ring> rings = new ArrayList<>();
    private final Map<String, RingKernelDefinition<?, ?>> definitions = new HashMap<>();
    private boolean closed;

    private DeviceLinks() {
    }

    /**
     * Allocates and zeroes a ring for every route of {@code routes}, in the memory its two ends
     * can reach, and hands each route its counters.
     *
     * @param placement every kernel's backend
     * @throws IllegalArgumentException if a kernel has more routes or topics than a launch can carry
     */
    static DeviceLinks connect(KernelRoutes routes, Map<String, CudaBackend> placement, boolean hostStaged) {
        DeviceLinks links = new DeviceLinks();
        try {
            links.build(routes, placement, hostStaged);
            return links;
        } catch (RuntimeException e) {
            links.close();
            throw e;
        }
    }

    private void build(KernelRoutes routes, Map<String, CudaBackend> placement, boolean hostStaged) {
        for (Map.Entry<String, CudaBackend> e : placement.entrySet()) {
            definitions.put(e.getKey(), routes.definitionOf(e.getKey()));
            contexts.put(e.getKey(), e.getValue().acquireContext());
            stats.put(e.getKey(), contexts.get(e.getKey()).acquireHost(STATS_BYTES));
        }
        Map<String, Integer> incoming = new HashMap<>();
        Map<String, Boolean> peer = new HashMap<>();
        for (String from : placement.keySet()) {
            List<KernelRoutes.Route> out = routes.routesFrom(from);
            RingKernelDefinition<?, ?> sender = definitions.get(from);
            if (out.size() > MAX_OUT) {
                throw new IllegalArgumentException("kernel '" + from + "' has " + out.size() + " outgoing routes (links plus"
                        + " topic subscribers); a CUDA kernel can have at most " + MAX_OUT);
            }
            if (sender.publishes().size() > MAX_TOPICS) {
                throw new IllegalArgumentException("kernel '" + from + "' publishes to " + sender.publishes().size()
                        + " topics; a CUDA kernel can publish to at most " + MAX_TOPICS);
            }
            for (int i = 0; i < out.size(); i++) {
                KernelRoutes.Route r = out.get(i);
                int in = incoming.merge(r.to(), 1, Integer::sum);
                if (in >= MAX_IN) {
                    throw new IllegalArgumentException("kernel '" + r.to() + "' has more than " + (MAX_IN - 1)
                            + " incoming routes; a CUDA kernel can poll at most that many");
                }
                CudaContext sending = contexts.get(from);
                CudaContext target = contexts.get(r.to());
                Path path;
                if (hostStaged) {
                    path = Path.HOST_STAGED;
                } else if (sending == target) {
                    path = Path.DEVICE;
                } else {
                    boolean p2p = peer.computeIfAbsent(from + "\u0000" + r.to(), k -> sending.enablePeerAccess(target));
                    path = p2p ? Path.PEER : Path.HOST_STAGED;
                }
                RingKernelDefinition<?, ?> def = definitions.get(r.to());
                long bytes = SLOTS + (long) def.capacity() * def.requestSlotWords() * 8;
                Ring ring = path == Path.HOST_STAGED
                        ? new Ring(r, target, null, target.acquireHost(bytes), path, def, i, in)
                        : new Ring(r, target, target.allocateDevice(bytes), null, path, def, i, in);
                rings.add(ring);
                if (ring.device != null) {
                    target.zeroDevice(ring.device);
                }
                r.countedBy(ring);
            }
        }
    }

    /**
     * The rings of kernel {@code id} for a launch in {@code context}.
     *
     * @throws IllegalStateException if the network was connected in another context (the one it
     *         was connected in was torn down after a fault or a stall; create the network again)
     */
    Plan plan(String id, CudaContext context) {
        CudaContext connected = contexts.get(id);
        if (connected == null) {
            throw new IllegalStateException("kernel '" + id + "' is not part of this network's device links");
        }
        if (connected != context || closed) {
            throw new IllegalStateException("kernel '" + id + "' cannot relaunch: its network's rings were made in a CUDA"
                    + " context that has since been torn down (a fault or a stall); close the network and create it again");
        }
        List<LaunchParams.Edge> out = new ArrayList<>();
        List<LaunchParams.Edge> in = new ArrayList<>();
        for (Ring r : rings) {
            if (r.route.from().equals(id)) {
                out.add(r.edge);
            }
        }
        for (Ring r : rings) {
            if (r.route.to().equals(id)) {
                in.add(r.edge);
            }
        }
        RingKernelDefinition<?, ?> d = definitions.get(id);
        int[] first = new int[d.publishes().size()];
        int[] size = new int[first.length];
        int next = d.links().size();
        int t = 0;
        for (String topic : d.publishes().keySet()) {
            first[t] = next;
            for (Ring r : rings) {
                if (r.route.from().equals(id) && topic.equals(r.route.topic())) {
                    size[t]++;
                }
            }
            next += size[t];
            t++;
        }
        return new Plan(stats.get(id).deviceAddress(), out, in, first, size);
    }

    /** The path each route took, in route order: for reports and tests. */
    public Map<String, Path> paths() {
        Map<String, Path> paths = new LinkedHashMap<>();
        for (Ring r : rings) {
            paths.put(r.route.from() + " -> " + r.route.to() + (r.route.topic() != null ? " (" + r.route.topic() + ")" : ""),
                    r.path);
        }
        return paths;
    }

    /** The counter region of kernel {@code id}, for tests. */
    MemoryRegion stats(String id) {
        return stats.get(id).region();
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (Ring r : rings) {
            if (r.device != null) {
                r.owner.freeDevice(r.device);
            } else {
                r.owner.releaseHost(r.host);
            }
        }
        rings.clear();
        stats.forEach((id, m) -> contexts.get(id).releaseHost(m));
        stats.clear();
        contexts.values().forEach(CudaContext::release);
        contexts.clear();
    }
}
