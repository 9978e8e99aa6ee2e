package io.ringkernel.spring;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;

import io.ringkernel.KernelState;
import io.ringkernel.RingKernel;
import io.ringkernel.autoconfigure.TestKernels;
import io.ringkernel.backend.BackendSelection;
import io.ringkernel.examples.VectorAddRequest;
import io.ringkernel.examples.VectorAddResponse;
import io.ringkernel.health.RingKernelsHealthIndicator;

/**
 * Failure, restart and health of kernels in a {@link RingKernelRuntime}. The supervisor's period is
 * an hour, so these tests drive its passes themselves and nothing depends on timing.
 */
class RingKernelRestartTests {

    private static final Duration NEVER = Duration.ofHours(1);

    private static RingKernelRuntime runtime(RestartSettings restart) {
        KernelSettings settings = new KernelSettings(null, null, null, null, null, Duration.ofSeconds(5), true, restart);
        return new RingKernelRuntime(BackendSelection.select("cpu", 0), id -> settings, NEVER, Duration.ofSeconds(10));
    }

    private static RestartSettings onFailure(int maxAttempts) {
        return new RestartSettings(RestartPolicy.ON_FAILURE, maxAttempts, Duration.ZERO, Duration.ZERO,
                Duration.ofHours(1));
    }

    @Test
    void healthIsDownWhenAKernelFailsAndUpAfterTheRestart() {
        AtomicBoolean fault = new AtomicBoolean();
        try (RingKernelRuntime runtime = runtime(onFailure(3))) {
            RingKernel<VectorAddRequest, VectorAddResponse> kernel = runtime.create(TestKernels.failable("k", fault));
            RingKernelsHealthIndicator health = new RingKernelsHealthIndicator(runtime, Duration.ofMinutes(1));
            runtime.start();
            assertThat(health.health().getStatus()).isEqualTo(Status.UP);

            fault.set(true);
            TestKernels.await("kernel FAILED", () -> kernel.state() == KernelState.FAILED);
            Health down = health.health();
            assertThat(down.getStatus()).isEqualTo(Status.DOWN);
            assertThat(kernelDetail(down)).containsEntry("status", "DOWN").containsEntry("state", "FAILED")
                    .containsEntry("reason", "kernel failed");
            assertThat((String) kernelDetail(down).get("lastError")).contains("injected kernel fault");

            runtime.supervise();
            assertThat(kernel.state()).isEqualTo(KernelState.ACTIVE);
            assertThat(runtime.kernel("k").restartStatus().restarts()).isEqualTo(1);
            assertThat(health.health().getStatus()).isEqualTo(Status.UP);
            assertThat(kernel.send(TestKernels.request(3)).join().c()).containsExactly(4, 4, 5);
        }
    }

    @Test
    void restartsAreBoundedSoACrashLoopEndsFailed() {
        AtomicBoolean fault = new AtomicBoolean();
        try (RingKernelRuntime runtime = runtime(onFailure(2))) {
            RingKernel<VectorAddRequest, VectorAddResponse> kernel = runtime.create(TestKernels.failable("k", fault));
            runtime.start();
            for (int i = 0; i < 5; i++) {
                // Armed only once the (re)launch has returned, so the fault never races launch().
                fault.set(true);
                TestKernels.await("kernel FAILED", () -> kernel.state() == KernelState.FAILED);
                runtime.supervise();
            }
            ManagedKernel.RestartStatus status = runtime.kernel("k").restartStatus();
            assertThat(status.restarts()).isEqualTo(2);
            assertThat(status.gaveUp()).isTrue();
            assertThat(status.note()).contains("gave up after 2 restarts");
            assertThat(kernel.state()).isEqualTo(KernelState.FAILED);
        }
    }

    @Test
    void policyNoneLeavesAFailedKernelFailed() {
        AtomicBoolean fault = new AtomicBoolean();
        try (RingKernelRuntime runtime = runtime(RestartSettings.NONE)) {
            RingKernel<VectorAddRequest, VectorAddResponse> kernel = runtime.create(TestKernels.failable("k", fault));
            runtime.start();
            fault.set(true);
            TestKernels.await("kernel FAILED", () -> kernel.state() == KernelState.FAILED);
            runtime.supervise();
            assertThat(kernel.state()).isEqualTo(KernelState.FAILED);
            assertThat(runtime.kernel("k").restartStatus().restarts()).isZero();
        }
    }

    @Test
    void restartKeepsAFailedKernelThatWasDeactivatedInactive() {
        AtomicBoolean fault = new AtomicBoolean();
        try (RingKernelRuntime runtime = runtime(onFailure(3))) {
            RingKernel<VectorAddRequest, VectorAddResponse> kernel = runtime.create(TestKernels.failable("k", fault));
            runtime.start();
            fault.set(true);
            TestKernels.await("kernel FAILED", () -> kernel.state() == KernelState.FAILED);
            // An operator pauses the failed kernel: recorded for the restart.
            runtime.deactivate("k");
            assertThat(runtime.kernel("k").wantActive()).isFalse();
            runtime.supervise();
            assertThat(kernel.state()).isEqualTo(KernelState.LAUNCHED);
            runtime.activate("k");
            assertThat(kernel.state()).isEqualTo(KernelState.ACTIVE);
            assertThat(kernel.send(TestKernels.request(1)).join().c()).containsExactly(2, 2, 5);
        }
    }

    @Test
    void healthIsDownWhileTheHeartbeatStallsAndUpOnceItBeatsAgain() {
        CountDownLatch gate = new CountDownLatch(1);
        try (RingKernelRuntime runtime = runtime(RestartSettings.NONE)) {
            RingKernel<VectorAddRequest, VectorAddResponse> kernel = runtime.create(TestKernels.gated("k", gate));
            RingKernelsHealthIndicator health = new RingKernelsHealthIndicator(runtime, Duration.ofMillis(50));
            runtime.start();
            CompletableFuture<VectorAddResponse> reply = kernel.send(TestKernels.request(1));
            TestKernels.await("health DOWN", () -> health.health().getStatus().equals(Status.DOWN));
            assertThat((String) kernelDetail(health.health()).get("reason")).contains("heartbeat stalled");
            assertThat(kernel.state()).isEqualTo(KernelState.ACTIVE);
            gate.countDown();
            assertThat(reply.join().c()).containsExactly(2, 2, 5);
            TestKernels.await("health UP", () -> health.health().getStatus().equals(Status.UP));
        }
    }

    @Test
    void backoffDoublesUpToTheCap() {
        RestartSettings s = new RestartSettings(RestartPolicy.ON_FAILURE, 10, Duration.ofMillis(100),
                Duration.ofMillis(500), Duration.ofMinutes(1));
        assertThat(s.delayBefore(1)).isEqualTo(Duration.ofMillis(100));
        assertThat(s.delayBefore(2)).isEqualTo(Duration.ofMillis(200));
        assertThat(s.delayBefore(3)).isEqualTo(Duration.ofMillis(400));
        assertThat(s.delayBefore(4)).isEqualTo(Duration.ofMillis(500));
        assertThat(s.delayBefore(9)).isEqualTo(Duration.ofMillis(500));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> kernelDetail(Health health) {
        return ((Map<String, Map<String, Object>>) health.getDetails().get("kernels")).get("k");
    }
}
