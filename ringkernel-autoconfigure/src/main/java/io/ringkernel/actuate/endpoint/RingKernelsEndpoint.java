package io.ringkernel.actuate.endpoint;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

import org.springframework.boot.actuate.endpoint.Access;
import org.springframework.boot.actuate.endpoint.InvalidEndpointRequestException;
import org.springframework.boot.actuate.endpoint.OperationResponseBody;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;

import io.ringkernel.RingKernelDefinition;
import io.ringkernel.backend.BackendDetection;
import io.ringkernel.spring.KernelSettings;
import io.ringkernel.spring.ManagedKernel;
import io.ringkernel.spring.RingKernelRuntime;
import io.ringkernel.telemetry.KernelTelemetry;
import io.ringkernel.telemetry.LatencySnapshot;

/**
 * The {@code ringkernels} Actuator endpoint: the backend and why it was chosen, every backend's
 * detection report, and each kernel's state, queues, counters, throughput, latency, heartbeat and
 * last error, plus what each {@link RingKernelDetailsContributor} adds under {@code details}. Write
 * operations activate or deactivate one kernel; they need
 * {@code management.endpoint.ringkernels.access=unrestricted} since the endpoint is read-only by
 * default.
 *
 * <p>Reads take telemetry snapshots, which never wait on the device.
 *
 * <p>Thread-safety: thread-safe.
 */
@Endpoint(id = "ringkernels", defaultAccess = Access.READ_ONLY)
public class RingKernelsEndpoint {

    private final RingKernelRuntime runtime;
    private final List<RingKernelDetailsContributor> contributors;

    /** @param runtime the kernels to report on */
    public RingKernelsEndpoint(RingKernelRuntime runtime) {
        this(runtime, List.of());
    }

    /**
     * @param runtime the kernels to report on
     * @param contributors extra per-kernel details, in the order they appear
     */
    public RingKernelsEndpoint(RingKernelRuntime runtime, List<RingKernelDetailsContributor> contributors) {
        this.runtime = Objects.requireNonNull(runtime, "runtime");
        this.contributors = List.copyOf(contributors);
    }

    /** The backend and every kernel. */
    @ReadOperation
    public RingKernelsDescriptor kernels() {
        Map<String, KernelDescriptor> kernels = new LinkedHashMap<>();
        for (ManagedKernel k : runtime.kernels()) {
            kernels.put(k.id(), describe(k));
        }
        List<DetectionDescriptor> detections = runtime.detections().stream().map(DetectionDescriptor::of).toList();
        BackendDescriptor backend = new BackendDescriptor(runtime.backend().name(), runtime.selectionReason(), detections);
        return new RingKernelsDescriptor(backend, kernels);
    }

    /** One kernel, or {@code null} (HTTP 404) if there is none with this id. */
    @ReadOperation
    public KernelDescriptor kernel(@Selector String id) {
        ManagedKernel k = runtime.kernel(id);
        return k == null ? null : describe(k);
    }

    /**
     * Activates or deactivates one kernel.
     *
     * @param id kernel id
     * @param action {@code activate} or {@code deactivate}
     * @return the kernel after the change, or {@code null} (HTTP 404) if there is none with this id
     */
    @WriteOperation
    public KernelDescriptor changeState(@Selector String id, String action) {
        ManagedKernel k = runtime.kernel(id);
        if (k == null) {
            return null;
        }
        String a = action == null ? "" : action.trim().toLowerCase(Locale.ROOT);
        try {
            switch (a) {
                case "activate" -> runtime.activate(id);
                case "deactivate" -> runtime.deactivate(id);
                default -> throw new InvalidEndpointRequestException("action must be 'activate' or 'deactivate', not '"
                        + action + "'", "unknown action");
            }
        } catch (IllegalStateException e) {
            throw new InvalidEndpointRequestException(e.getMessage(), e.getMessage());
        }
        return describe(k);
    }

    private KernelDescriptor describe(ManagedKernel k) {
        KernelTelemetry t = k.telemetry();
        RingKernelDefinition<?, ?> d = k.definition();
        KernelSettings s = k.settings();
        LatencySnapshot l = t.latency();
        return new KernelDescriptor(t.kernelId(), t.backend(), t.device(), t.state().name(), k.wantActive(),
                new QueueDescriptor(t.requestDepth(), t.requestCapacity(), t.responseDepth(), t.responseCapacity()),
                new MessagesDescriptor(t.accepted(), t.processed(), t.completed(), t.failed(), t.rejected(), t.dropped()),
                k.throughput(),
                new LatencyDescriptor(l.count(), l.p50(), l.p90(), l.p99(), l.p999(), l.max(), l.mean()),
                t.heartbeatAgeNanos() < 0 ? null : t.heartbeatAgeNanos() / 1e6,
                t.lastError(),
                new SettingsDescriptor(d.capacity(), d.backpressure().name(), d.blockTimeout().toString(),
                        d.shutdownTimeout().toString(), s.autoActivate(), s.gridSize(), s.blockSize()),
                k.restartStatus(),
                details(k.id()));
    }

    private Map<String, Object> details(String id) {
        Map<String, Object> details = new LinkedHashMap<>();
        for (RingKernelDetailsContributor c : contributors) {
            Object d = c.details(id);
            if (d != null) {
                details.put(c.name(), d);
            }
        }
        return details;
    }

    /**
     * The whole report.
     *
     * @param backend the backend in use
     * @param kernels every kernel by id
     */
    public record RingKernelsDescriptor(BackendDescriptor backend, Map<String, KernelDescriptor> kernels)
            implements OperationResponseBody {
    }

    /**
     * The backend in use.
     *
     * @param name backend name
     * @param reason why it was chosen
     * @param detections what each backend's detection found
     */
    public record BackendDescriptor(String name, String reason, List<DetectionDescriptor> detections) {
    }

    /**
     * One backend's detection report.
     *
     * @param backend backend name
     * @param usable whether kernels can run on it
     * @param devices usable devices
     * @param reason what was found or is missing
     */
    public record DetectionDescriptor(String backend, boolean usable, List<String> devices, String reason) {

        static DetectionDescriptor of(BackendDetection d) {
            return new DetectionDescriptor(d.backend(), d.usable(), d.devices(), d.reason());
        }
    }

    /**
     * One kernel.
     *
     * @param id kernel id
     * @param backend backend name
     * @param device device name
     * @param state lifecycle state
     * @param wantActive whether it is meant to process (auto-activate or the last write operation)
     * @param queues ring depths and capacities
     * @param messages message counters since the kernel was created
     * @param throughputPerSecond messages processed per second over the watchdog's throughput window
     * @param latencyNanos round-trip latency of {@code send}
     * @param heartbeatAgeMillis time since the loop last proved alive, {@code null} when not running
     * @param lastError last handler or kernel failure, or {@code null}
     * @param settings the settings it runs with
     * @param restart restart bookkeeping
     * @param details what {@link RingKernelDetailsContributor}s add, by their name
     */
    public record KernelDescriptor(String id, String backend, String device, String state, boolean wantActive,
            QueueDescriptor queues, MessagesDescriptor messages, double throughputPerSecond,
            LatencyDescriptor latencyNanos, Double heartbeatAgeMillis, String lastError, SettingsDescriptor settings,
            ManagedKernel.RestartStatus restart, Map<String, Object> details) implements OperationResponseBody {
    }

    /**
     * Ring depths and capacities.
     *
     * @param requestDepth requests waiting for the kernel
     * @param requestCapacity request ring capacity
     * @param responseDepth replies waiting to be dispatched
     * @param responseCapacity response ring capacity
     */
    public record QueueDescriptor(int requestDepth, int requestCapacity, int responseDepth, int responseCapacity) {
    }

    /**
     * Message counters (see {@link KernelTelemetry}).
     *
     * @param accepted accepted by a send
     * @param processed handled by the kernel
     * @param completed answered normally
     * @param failed failed by the handler, a fault or termination
     * @param rejected refused (REJECT, BLOCK timeout, full ring on try)
     * @param dropped dropped under DROP_NEWEST
     */
    public record MessagesDescriptor(long accepted, long processed, long completed, long failed, long rejected,
            long dropped) {
    }

    /**
     * Latency percentiles in nanoseconds.
     *
     * @param count replies measured
     * @param p50 median
     * @param p90 90th percentile
     * @param p99 99th percentile
     * @param p999 99.9th percentile
     * @param max largest
     * @param mean mean
     */
    public record LatencyDescriptor(long count, long p50, long p90, long p99, long p999, long max, double mean) {
    }

    /**
     * Settings a kernel runs with.
     *
     * @param capacity ring capacity
     * @param backpressure full-ring policy
     * @param blockTimeout BLOCK wait (ISO-8601)
     * @param shutdownTimeout drain time on stop (ISO-8601)
     * @param autoActivate whether it is activated on start
     * @param gridSize configured CUDA grid size, or {@code null}
     * @param blockSize configured CUDA block size, or {@code null}
     */
    public record SettingsDescriptor(int capacity, String backpressure, String blockTimeout, String shutdownTimeout,
            boolean autoActivate, Integer gridSize, Integer blockSize) {
    }
}
