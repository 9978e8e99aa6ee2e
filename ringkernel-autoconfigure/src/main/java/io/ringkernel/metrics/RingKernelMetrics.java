package io.ringkernel.metrics;

import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;
import java.util.function.ToLongFunction;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.binder.MeterBinder;

import io.ringkernel.RingKernel;
import io.ringkernel.ring.KernelRoutes;
import io.ringkernel.spring.ManagedKernel;
import io.ringkernel.spring.RingKernelRuntime;
import io.ringkernel.telemetry.KernelTelemetry;

/**
 * Micrometer meters for every kernel of a {@link RingKernelRuntime}, named {@code ringkernel.*} and
 * tagged {@code kernel}, {@code backend} and {@code device} only, so their number stays bounded by
 * the number of kernels:
 * <ul>
 * <li>gauges {@code ringkernel.queue.requests.depth|capacity}, {@code ringkernel.queue.responses.depth|capacity};
 * <li>function counters {@code ringkernel.messages.accepted|processed|completed|failed|rejected|dropped};
 * <li>function timer {@code ringkernel.latency} (round trips of {@code send}) and time gauges
 *     {@code ringkernel.latency.p50|p99};
 * <li>time gauge {@code ringkernel.heartbeat.age} (NaN when the kernel is not running);
 * <li>gauge {@code ringkernel.state}: the {@link io.ringkernel.KernelState} ordinal (0 CREATED,
 *     1 LAUNCHED, 2 ACTIVE, 3 INACTIVE, 4 TERMINATED, 5 FAILED, 6 DISPOSED);
 * <li>for each route from a kernel to another (a link, or a topic's delivery to one subscriber),
 *     function counter {@code ringkernel.link.messages} tagged {@code outcome} sent|dropped|rejected
 *     and gauge {@code ringkernel.link.target.queue.depth}, both also tagged {@code to} and
 *     {@code topic} ({@code none} for a direct link).
 * </ul>
 * Every meter reads the kernel's non-blocking telemetry. Meters hold the kernel object itself, a
 * long-lived singleton owned by the runtime, so Micrometer's weak references never lose it; gauges
 * also hold it strongly. Kernels created after binding (lazy beans) are bound when created.
 *
 * <p>Thread-safety: thread-safe.
 */
public class RingKernelMetrics implements MeterBinder {

    private final RingKernelRuntime runtime;

    /** @param runtime the kernels to measure */
    public RingKernelMetrics(RingKernelRuntime runtime) {
        this.runtime = Objects.requireNonNull(runtime, "runtime");
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        runtime.forEachKernel(k -> bind(registry, k));
    }

    private void bind(MeterRegistry registry, ManagedKernel managed) {
        RingKernel<?, ?> kernel = managed.kernel();
        Tags tags = Tags.of("kernel", kernel.id(), "backend", kernel.backend(), "device", kernel.device());
        gauge(registry, "ringkernel.queue.requests.depth", "Requests waiting for the kernel", tags, kernel,
                KernelTelemetry::requestDepth);
        gauge(registry, "ringkernel.queue.requests.capacity", "Request ring capacity", tags, kernel,
                KernelTelemetry::requestCapacity);
        gauge(registry, "ringkernel.queue.responses.depth", "Replies waiting to be dispatched", tags, kernel,
                KernelTelemetry::responseDepth);
        gauge(registry, "ringkernel.queue.responses.capacity", "Response ring capacity", tags, kernel,
                KernelTelemetry::responseCapacity);
        counter(registry, "ringkernel.messages.accepted", "Messages accepted by a send", tags, kernel,
                KernelTelemetry::accepted);
        counter(registry, "ringkernel.messages.processed", "Messages handled by the kernel", tags, kernel,
                KernelTelemetry::processed);
        counter(registry, "ringkernel.messages.completed", "Replies completed normally", tags, kernel,
                KernelTelemetry::completed);
        counter(registry, "ringkernel.messages.failed", "Messages failed by the handler, a fault or termination", tags,
                kernel, KernelTelemetry::failed);
        counter(registry, "ringkernel.messages.rejected", "Messages refused because the ring was full", tags, kernel,
                KernelTelemetry::rejected);
        counter(registry, "ringkernel.messages.dropped", "Messages dropped under DROP_NEWEST", tags, kernel,
                KernelTelemetry::dropped);
        FunctionTimer.builder("ringkernel.latency", kernel, k -> k.telemetry().latency().count(),
                k -> {
                    KernelTelemetry t = k.telemetry();
                    return t.latency().mean() * t.latency().count();
                }, TimeUnit.NANOSECONDS)
                .description("Round-trip latency of send, from claim to reply")
                .tags(tags)
                .register(registry);
        timeGauge(registry, "ringkernel.latency.p50", "Median round-trip latency of send", tags, kernel,
                t -> t.latency().p50());
        timeGauge(registry, "ringkernel.latency.p99", "99th percentile round-trip latency of send", tags, kernel,
                t -> t.latency().p99());
        timeGauge(registry, "ringkernel.heartbeat.age", "Time since the kernel loop last proved alive", tags, kernel,
                t -> t.heartbeatAgeNanos() < 0 ? Double.NaN : t.heartbeatAgeNanos());
        gauge(registry, "ringkernel.state", "Lifecycle state as KernelState ordinal", tags, kernel,
                t -> t.state().ordinal());
        for (KernelRoutes.Route route : runtime.routesFrom(kernel.id())) {
            Tags link = tags.and("to", route.to(), "topic", route.topic() == null ? "none" : route.topic());
            linkCounter(registry, link.and("outcome", "sent"), route, KernelRoutes.Route::sent);
            linkCounter(registry, link.and("outcome", "dropped"), route, KernelRoutes.Route::dropped);
            linkCounter(registry, link.and("outcome", "rejected"), route, KernelRoutes.Route::rejected);
            Gauge.builder("ringkernel.link.target.queue.depth", route, KernelRoutes.Route::targetQueueDepth)
                    .description("Messages waiting in the request ring of the route's target")
                    .tags(link)
                    .strongReference(true)
                    .register(registry);
        }
    }

    private static void linkCounter(MeterRegistry registry, Tags tags, KernelRoutes.Route route,
            ToLongFunction<KernelRoutes.Route> count) {
        FunctionCounter.builder("ringkernel.link.messages", route, count::applyAsLong)
                .description("Messages a kernel's handler sent to another kernel, by outcome")
                .tags(tags)
                .register(registry);
    }

    private static void gauge(MeterRegistry registry, String name, String description, Tags tags,
            RingKernel<?, ?> kernel, ToDoubleFunction<KernelTelemetry> value) {
        Gauge.builder(name, kernel, k -> value.applyAsDouble(k.telemetry()))
                .description(description)
                .tags(tags)
                .strongReference(true)
                .register(registry);
    }

    private static void timeGauge(MeterRegistry registry, String name, String description, Tags tags,
            RingKernel<?, ?> kernel, ToDoubleFunction<KernelTelemetry> nanos) {
        TimeGauge.builder(name, kernel, TimeUnit.NANOSECONDS, k -> nanos.applyAsDouble(k.telemetry()))
                .description(description)
                .tags(tags)
                .strongReference(true)
                .register(registry);
    }

    private static void counter(MeterRegistry registry, String name, String description, Tags tags,
            RingKernel<?, ?> kernel, ToLongFunction<KernelTelemetry> count) {
        FunctionCounter.builder(name, kernel, k -> count.applyAsLong(k.telemetry()))
                .description(description)
                .tags(tags)
                .register(registry);
    }
}
