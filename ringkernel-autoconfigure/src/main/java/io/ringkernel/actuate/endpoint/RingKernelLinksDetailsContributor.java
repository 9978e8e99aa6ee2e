package io.ringkernel.actuate.endpoint;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.ringkernel.ring.KernelRoutes;
import io.ringkernel.spring.RingKernelRuntime;

/**
 * Shows, under each kernel's {@code details.links}, the routes that start at it — direct links and
 * topic deliveries — with the messages sent, dropped and rejected on each, the target's queue
 * depth now, and the path the route takes (a host ring on the CPU; device, peer or pinned host
 * memory on CUDA). Reads counters and ring indices only; thread-safe.
 */
public final class RingKernelLinksDetailsContributor implements RingKernelDetailsContributor {

    private final RingKernelRuntime runtime;

    public RingKernelLinksDetailsContributor(RingKernelRuntime runtime) {
        this.runtime = runtime;
    }

    @Override
    public String name() {
        return "links";
    }

    @Override
    public Object details(String kernelId) {
        List<KernelRoutes.Route> routes = runtime.routesFrom(kernelId);
        if (routes.isEmpty()) {
            return null;
        }
        return routes.stream().map(r -> {
            Map<String, Object> link = new LinkedHashMap<>();
            link.put("to", r.to());
            if (r.topic() != null) {
                link.put("topic", r.topic());
            }
            link.put("sent", r.sent());
            link.put("dropped", r.dropped());
            link.put("rejected", r.rejected());
            link.put("targetQueueDepth", r.targetQueueDepth());
            link.put("path", r.path());
            return link;
        }).toList();
    }
}
