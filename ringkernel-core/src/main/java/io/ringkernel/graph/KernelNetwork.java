package io.ringkernel.graph;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

import io.ringkernel.KernelState;
import io.ringkernel.RingKernel;
import io.ringkernel.backend.Backend;
import io.ringkernel.ring.HostRingKernel;
import io.ringkernel.ring.KernelRoutes;

/**
 * The kernels of a {@link KernelGraph}, created on one backend with their links and topics wired:
 * a handler's {@code send}, {@code forward} and {@code publish} go straight into the target's
 * request ring, without the host's caller in between. Each kernel is a normal {@link RingKernel}
 * (send to any of them; the reply to a forwarded request comes from the end of its chain).
 *
 * <p>On the CPU backend a route delivers into the target's request ring from the sending handler's
 * thread. On CUDA every route gets its own ring in device memory (peer or pinned host memory
 * between devices) that the sending kernel writes and the target polls, with no host thread in
 * between ({@code io.ringkernel.cuda.DeviceLinks}); each route reports the path it took.
 *
 * <p>Thread-safety: the kernels are as thread-safe as any; {@link #launchAll}, {@link #activateAll}
 * and {@link #close} are meant for one owner thread. Owns the kernels and what connects them:
 * {@link #close} closes the kernels, upstream first, so a drained upstream kernel's forwarded
 * requests are still answered downstream, then the routes' rings.
 */
public final class KernelNetwork implements AutoCloseable {

    private final KernelGraph graph;
    private final Map<String, RingKernel<?, ?>> kernels;
    private final KernelRoutes routes;
    private final AutoCloseable connection;

    private KernelNetwork(KernelGraph graph, Map<String, RingKernel<?, ?>> kernels, KernelRoutes routes,
            AutoCloseable connection) {
        this.graph = graph;
        this.kernels = kernels;
        this.routes = routes;
        this.connection = connection;
    }

    /** Creates every kernel of {@code graph} on {@code backend} (not launched) and connects them. */
    public static KernelNetwork create(KernelGraph graph, Backend backend) {
        return create(graph, id -> backend);
    }

    /**
     * Creates every kernel of {@code graph} on the backend {@code placement} names for it (not
     * launched) and connects them: for example each kernel on its device's CUDA backend.
     *
     * @throws IllegalArgumentException if the graph has routes and its kernels are on kinds of
     *         backend that cannot reach each other (CPU and CUDA), or a backend cannot connect them
     */
    public static KernelNetwork create(KernelGraph graph, Function<String, ? extends Backend> placement) {
        Map<String, Backend> backends = new LinkedHashMap<>();
        for (var d : graph.definitions()) {
            backends.put(d.id(), Objects.requireNonNull(placement.apply(d.id()), "no backend for kernel '" + d.id() + "'"));
        }
        Backend first = backends.values().iterator().next();
        if (graph.hasRoutes()) {
            backends.forEach((id, b) -> {
                if (!b.name().equals(first.name())) {
                    throw new IllegalArgumentException("kernel '" + id + "' is placed on " + b.name() + " and another on "
                            + first.name() + "; kernels with links between them run on one kind of backend");
                }
            });
        }
        Map<String, RingKernel<?, ?>> created = new LinkedHashMap<>();
        try {
            for (var d : graph.definitions()) {
                created.put(d.id(), backends.get(d.id()).createKernel(d));
            }
            List<HostRingKernel<?, ?>> hosts = new ArrayList<>();
            for (RingKernel<?, ?> k : created.values()) {
                if (!(k instanceof HostRingKernel<?, ?> h)) {
                    throw new UnsupportedOperationException("backend " + backends.get(k.id()).name() + " made kernel '" + k.id()
                            + "' without the host ring half that links need");
                }
                hosts.add(h);
            }
            KernelRoutes routes = KernelRoutes.wire(hosts);
            AutoCloseable connection = graph.hasRoutes() ? first.connect(routes, backends) : () -> { };
            return new KernelNetwork(graph, created, routes, connection);
        } catch (RuntimeException e) {
            created.values().forEach(RingKernel::close);
            throw e;
        }
    }

    /** The kernel with this id, typed by the caller. */
    @SuppressWarnings("unchecked")
    public <I, O> RingKernel<I, O> kernel(String id) {
        RingKernel<?, ?> k = kernels.get(id);
        if (k == null) {
            throw new IllegalArgumentException("no kernel '" + id + "' in this network; it has " + kernels.keySet());
        }
        return (RingKernel<I, O>) k;
    }

    /** All kernels, in the graph's order. */
    public List<RingKernel<?, ?>> kernels() {
        return List.copyOf(kernels.values());
    }

    /** Counters of every route: sent, dropped, rejected, and the target's queue depth now. */
    public List<KernelRoutes.Route> routes() {
        return routes.routes();
    }

    /** The routes that start at kernel {@code id}: its links, then its topics' subscribers. */
    public List<KernelRoutes.Route> routesFrom(String id) {
        return routes.routesFrom(id);
    }

    /** Launches every kernel, downstream first, so no kernel sends before its targets run. */
    public void launchAll() {
        List<String> order = graph.upstreamFirst();
        for (int i = order.size() - 1; i >= 0; i--) {
            kernels.get(order.get(i)).launch();
        }
    }

    /** Activates every kernel, downstream first. */
    public void activateAll() {
        List<String> order = graph.upstreamFirst();
        for (int i = order.size() - 1; i >= 0; i--) {
            kernels.get(order.get(i)).activate();
        }
    }

    /**
     * Terminates every kernel, upstream first, each draining within {@code timeout}: what an upstream
     * kernel forwarded in its drain is still answered downstream.
     *
     * @return whether every kernel drained (a FAILED kernel did not)
     */
    public boolean terminateAll(Duration timeout) {
        boolean drained = true;
        for (String id : graph.upstreamFirst()) {
            RingKernel<?, ?> k = kernels.get(id);
            if (k.state().isRunning()) {
                drained &= k.terminate(timeout);
            } else if (k.state() == KernelState.FAILED) {
                drained = false;
            }
        }
        return drained;
    }

    /**
     * Closes every kernel, upstream first (each drains within its shutdown timeout), even if one
     * fails to close; rethrows the first such failure afterwards. Idempotent.
     */
    @Override
    public void close() {
        RuntimeException first = null;
        for (String id : graph.upstreamFirst()) {
            try {
                kernels.get(id).close();
            } catch (RuntimeException e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        try {
            connection.close();
        } catch (Exception e) {
            RuntimeException failure = e instanceof RuntimeException r ? r : new IllegalStateException(e);
            if (first == null) {
                first = failure;
            } else {
                first.addSuppressed(failure);
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
