package io.ringkernel.health;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;

import io.ringkernel.KernelState;
import io.ringkernel.spring.ManagedKernel;
import io.ringkernel.spring.RingKernelRuntime;
import io.ringkernel.telemetry.KernelTelemetry;

/**
 * Health of the ring kernels, contributed as {@code ringKernels}: DOWN when a kernel is FAILED or
 * running with a heartbeat older than the timeout, OUT_OF_SERVICE when a kernel has been
 * terminated or closed, else UP. Details list each kernel's status, state, heartbeat age, restarts
 * and last error.
 *
 * <p>It reads host-side telemetry snapshots only, so a health check never waits on a device, even
 * a hung one.
 *
 * <p>Thread-safety: thread-safe.
 */
public class RingKernelsHealthIndicator implements HealthIndicator {

    private final RingKernelRuntime runtime;
    private final Duration heartbeatTimeout;

    /**
     * @param runtime the kernels to judge
     * @param heartbeatTimeout heartbeat age above which a running kernel counts as stalled
     */
    public RingKernelsHealthIndicator(RingKernelRuntime runtime, Duration heartbeatTimeout) {
        this.runtime = Objects.requireNonNull(runtime, "runtime");
        this.heartbeatTimeout = Objects.requireNonNull(heartbeatTimeout, "heartbeatTimeout");
    }

    @Override
    public Health health() {
        Status overall = Status.UP;
        Map<String, Object> kernels = new LinkedHashMap<>();
        for (ManagedKernel k : runtime.kernels()) {
            KernelTelemetry t = k.telemetry();
            Map<String, Object> detail = new LinkedHashMap<>();
            Status status = Status.UP;
            if (t.state() == KernelState.FAILED) {
                status = Status.DOWN;
                detail.put("reason", "kernel failed");
            } else if (t.state().isRunning() && t.heartbeatAgeNanos() > heartbeatTimeout.toNanos()) {
                status = Status.DOWN;
                detail.put("reason", "heartbeat stalled for more than " + heartbeatTimeout);
            } else if (t.state() == KernelState.TERMINATED || t.state() == KernelState.DISPOSED) {
                status = Status.OUT_OF_SERVICE;
            }
            detail.put("status", status.getCode());
            detail.put("state", t.state().name());
            if (t.heartbeatAgeNanos() >= 0) {
                detail.put("heartbeatAgeMillis", t.heartbeatAgeNanos() / 1_000_000);
            }
            detail.put("restarts", k.restartStatus().restarts());
            if (t.lastError() != null) {
                detail.put("lastError", t.lastError());
            }
            kernels.put(k.id(), detail);
            overall = worse(overall, status);
        }
        return Health.status(overall).withDetail("backend", runtime.backend().name()).withDetail("kernels", kernels)
                .build();
    }

    private static Status worse(Status a, Status b) {
        return rank(b) > rank(a) ? b : a;
    }

    private static int rank(Status s) {
        if (Status.DOWN.equals(s)) {
            return 2;
        }
        return Status.OUT_OF_SERVICE.equals(s) ? 1 : 0;
    }
}
