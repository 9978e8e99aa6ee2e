package io.ringkernel.spring;

import java.time.Duration;
import java.util.ArrayDeque;

import io.ringkernel.KernelState;
import io.ringkernel.RingKernel;
import io.ringkernel.RingKernelDefinition;
import io.ringkernel.telemetry.KernelTelemetry;

/**
 * One kernel owned by a {@link RingKernelRuntime}: the kernel, the definition and settings it runs
 * with, the operator's intent (active or not), the supervisor's throughput samples and restart
 * bookkeeping.
 *
 * <p>Thread-safety: thread-safe. The supervisor thread writes samples and restart state under this
 * object's monitor; readers (endpoint, health, meters) take consistent copies under the same
 * monitor, which is never held while calling into the kernel except for its non-blocking
 * {@link RingKernel#telemetry()}.
 */
public final class ManagedKernel {

    private final RingKernel<?, ?> kernel;
    private final RingKernelDefinition<?, ?> definition;
    private final KernelSettings settings;
    private final ArrayDeque<long[]> samples = new ArrayDeque<>();
    private volatile boolean wantActive;
    private double throughput;
    private int attempts;
    private long restarts;
    private long failedSinceNanos = Long.MIN_VALUE;
    private long restartDueNanos = Long.MIN_VALUE;
    private long lastRestartNanos = Long.MIN_VALUE;
    private boolean gaveUp;
    private String restartNote;

    ManagedKernel(RingKernel<?, ?> kernel, RingKernelDefinition<?, ?> definition, KernelSettings settings) {
        this.kernel = kernel;
        this.definition = definition;
        this.settings = settings;
        this.wantActive = settings.autoActivate();
    }

    /** The kernel's id. */
    public String id() {
        return kernel.id();
    }

    /** The kernel itself. */
    public RingKernel<?, ?> kernel() {
        return kernel;
    }

    /** The definition the kernel runs with (configuration applied). */
    public RingKernelDefinition<?, ?> definition() {
        return definition;
    }

    /** The configured settings. */
    public KernelSettings settings() {
        return settings;
    }

    /** A telemetry snapshot; never waits on the device. */
    public KernelTelemetry telemetry() {
        return kernel.telemetry();
    }

    /** Whether the operator (or auto-activate) wants the kernel processing; restarts restore this. */
    public boolean wantActive() {
        return wantActive;
    }

    void wantActive(boolean active) {
        this.wantActive = active;
    }

    /** Messages processed per second, averaged over the supervisor's throughput window; 0 until two samples exist. */
    public synchronized double throughput() {
        return throughput;
    }

    /** A consistent copy of the restart bookkeeping. */
    public synchronized RestartStatus restartStatus() {
        return new RestartStatus(settings.restart().policy(), restarts, attempts, gaveUp, restartNote);
    }

    synchronized void sample(long nowNanos, long processed, Duration window) {
        samples.addLast(new long[] {nowNanos, processed});
        while (samples.size() > 2 && nowNanos - samples.peekFirst()[0] > window.toNanos()) {
            samples.removeFirst();
        }
        long[] first = samples.peekFirst();
        long elapsed = nowNanos - first[0];
        throughput = elapsed <= 0 ? 0 : (processed - first[1]) * 1e9 / elapsed;
    }

    /**
     * Called by the supervisor on every pass; decides whether a failed kernel is due for a restart.
     *
     * @return whether the caller should relaunch it now
     */
    synchronized boolean restartDue(long nowNanos, KernelState state) {
        RestartSettings policy = settings.restart();
        if (state != KernelState.FAILED || policy.policy() != RestartPolicy.ON_FAILURE || gaveUp) {
            if (state != KernelState.FAILED) {
                failedSinceNanos = Long.MIN_VALUE;
            }
            return false;
        }
        if (failedSinceNanos == Long.MIN_VALUE) {
            failedSinceNanos = nowNanos;
            if (lastRestartNanos != Long.MIN_VALUE && nowNanos - lastRestartNanos > policy.resetAfter().toNanos()) {
                attempts = 0;
            }
            if (attempts >= policy.maxAttempts()) {
                gaveUp = true;
                restartNote = "gave up after " + attempts + " restarts in a row";
                return false;
            }
            restartDueNanos = nowNanos + policy.delayBefore(attempts + 1).toNanos();
            restartNote = "restart " + (attempts + 1) + " of " + policy.maxAttempts() + " due in "
                    + policy.delayBefore(attempts + 1);
        }
        return nowNanos - restartDueNanos >= 0;
    }

    /** Records a restart attempt (whether or not the relaunch itself worked). */
    synchronized void restarted(long nowNanos, String outcome) {
        attempts++;
        restarts++;
        lastRestartNanos = nowNanos;
        failedSinceNanos = Long.MIN_VALUE;
        restartNote = outcome;
    }

    /** Whether the restart policy has given up on this kernel. */
    synchronized boolean gaveUp() {
        return gaveUp;
    }

    /**
     * Restart bookkeeping of one kernel.
     *
     * @param policy the configured policy
     * @param restarts restarts so far
     * @param attemptsInARow restarts since the kernel last ran stably
     * @param gaveUp whether the policy has given up
     * @param note the last restart decision or outcome, or {@code null}
     */
    public record RestartStatus(RestartPolicy policy, long restarts, int attemptsInARow, boolean gaveUp, String note) {
    }
}
