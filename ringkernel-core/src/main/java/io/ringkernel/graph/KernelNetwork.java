package io.ringkernel.graph;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.ringkernel.KernelState;
import io.ringkernel.RingKernel;
import io.ringkernel.backend.Backend;
import io.ringkernel.cpu.CpuBackend;
import io.ringkernel.ring.HostRingKernel;
import io.ringkernel.ring.KernelRoutes;

/**
 * The kernels of a {@link KernelGraph}, created on one backend with their links and topics wired:
 * a handler's {@code send}, {@code forward} and {@code publish} go straight into the target's
 * request ring, without the host's caller in between. Each kernel is a normal {@link RingKernel}
 * (send to any of them; the reply to a forwarded request comes from the end of its chain).
 *
 * <p>Links run on the CPU backend, the reference for their semantics. On the CUDA backend a network
 * with links or topics is refused at creation: device-resident rings between kernels are not built
 * yet (issue 7); kernels without links run there as usual.
 *
 * <p>Thread-safety: the kernels are as thread-safe as any; {@link #launchAll}, {@link #activateAll}
 * and {@link #close} are meant for one owner thread. Owns the kernels: {@link #close} closes them,
 * upstream first, so a drained upstream kernel's forwarded requests are still answered downstream.
 */
public final class KernelNetwork implements AutoCloseable {

    private final KernelGraph graph;
    private final Map<String, RingKernel<?, ?>> kernels;
    private final KernelRoutes routes;

    private KernelNetwork(KernelGraph graph, Map<String, RingKernel<?, ?>> kernels, KernelRoutes routes) {
        this.graph = graph;
        this.kernels = kernels;
        this.routes = routes;
    }

    /**
     * Creates every kernel of {@code graph} on {@code backend} (not launched) and wires them.
     *
     * @throws UnsupportedOperationException if the graph has links or topics and the backend is not the CPU
     */
    public static KernelNetwork create(KernelGraph graph, Backend backend) {
        if (graph.hasRoutes() && !CpuBackend.NAME.equals(backend.name())) {
            throw new UnsupportedOperationException("links and topics between kernels run on the cpu backend only; "
                    + "device-resident rings on " + backend.name() + " are not built yet (issue 7)");
        }
        Map<String, RingKernel<?, ?>> created = new LinkedHashMap<>();
        try {
            for (var d : graph.definitions()) {
                created.put(d.id(), backend.createKernel(d));
            }
            List<HostRingKernel<?, ?>> hosts = new ArrayList<>();
            for (RingKernel<?, ?> k : created.values()) {
                if (!(k instanceof HostRingKernel<?, ?> h)) {
                    throw new UnsupportedOperationException("backend " + backend.name() + " made kernel '" + k.id()
                            + "' without the host ring half that links need");
                }
                hosts.add(h);
            }
            return new KernelNetwork(graph, created, KernelRoutes.wire(hosts));
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
        if (first != null) {
            throw first;
        }
    }
}
