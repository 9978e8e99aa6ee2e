package io.ringkernel.spring;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;

import io.ringkernel.KernelState;
import io.ringkernel.KernelTerminatedException;
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
        KernelSettings settings = new KernelSettings(null, null, null, null, null, Duration.ofSeconds(5), true, restart,
                null);
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

    /**
     * Five faults while four producers push at full speed (the kernel's loop dies, as when a backend
     * dies mid-stream): each time the kernel goes FAILED, every message accepted until then ends
     * within a bounded time, health goes DOWN, the supervisor relaunches it, health comes back UP and
     * new messages are served; at the end every accepted message was answered correctly or failed
     * with the fault as its cause — none lost.
     */
    @Test
    void faultsUnderLoadEndEveryAcceptedMessageAndTheRestartServesAgain() throws Exception {
        int faults = 5;
        AtomicBoolean fault = new AtomicBoolean();
        AtomicBoolean stop = new AtomicBoolean();
        ConcurrentLinkedQueue<Sent> accepted = new ConcurrentLinkedQueue<>();
        AtomicLong refused = new AtomicLong();
        try (RingKernelRuntime runtime = runtime(onFailure(faults))) {
            RingKernel<VectorAddRequest, VectorAddResponse> kernel = runtime.create(TestKernels.failable("k", fault));
            RingKernelsHealthIndicator health = new RingKernelsHealthIndicator(runtime, Duration.ofMinutes(1));
            runtime.start();
            List<Thread> producers = new ArrayList<>();
            for (int p = 0; p < 4; p++) {
                Thread t = new Thread(() -> {
                    for (int i = 0; !stop.get(); i++) {
                        try {
                            accepted.add(new Sent(i, kernel.send(TestKernels.request(i))));
                        } catch (IllegalStateException failedOrRestarting) {
                            refused.incrementAndGet();
                            Thread.onSpinWait();
                        }
                    }
                }, "fault-under-load-producer-" + p);
                t.start();
                producers.add(t);
            }
            for (int f = 0; f < faults; f++) {
                long before = accepted.size();
                TestKernels.await("load before fault " + f, () -> accepted.size() > before + 5_000);
                fault.set(true);
                TestKernels.await("kernel FAILED", () -> kernel.state() == KernelState.FAILED);
                assertThat(health.health().getStatus()).isEqualTo(Status.DOWN);
                // Everything accepted before the failure ends (answered or failed) within a bounded time;
                // get() throws TimeoutException otherwise.
                CompletableFuture.allOf(accepted.stream().map(Sent::reply).toArray(CompletableFuture[]::new))
                        .handle((ignored, cause) -> null).get(10, TimeUnit.SECONDS);
                runtime.supervise();
                assertThat(kernel.state()).isEqualTo(KernelState.ACTIVE);
                assertThat(health.health().getStatus()).isEqualTo(Status.UP);
                assertThat(kernel.send(TestKernels.request(7)).join().c()).containsExactly(8, 8, 5);
            }
            stop.set(true);
            for (Thread t : producers) {
                t.join(TimeUnit.SECONDS.toMillis(30));
                assertThat(t.isAlive()).isFalse();
            }
            assertThat(runtime.kernel("k").restartStatus().restarts()).isEqualTo(faults);
        }
        long answered = 0;
        long failed = 0;
        for (Sent sent : accepted) {
            try {
                assertThat(sent.reply().join().c()).containsExactly(sent.i() + 1, sent.i() + 1, 5);
                answered++;
            } catch (CompletionException e) {
                assertThat(e.getCause()).isInstanceOf(KernelTerminatedException.class)
                        .hasStackTraceContaining("injected kernel fault");
                failed++;
            }
        }
        System.out.printf("faults under load: %d faults, %d accepted, %d answered, %d failed with the fault, %d refused%n",
                faults, accepted.size(), answered, failed, refused.get());
        assertThat(answered + failed).isEqualTo(accepted.size());
        assertThat(answered).isGreaterThan(faults * 5_000L);
        assertThat(refused.get()).as("producers were refused while the kernel was down").isPositive();
    }

    private record Sent(int i, CompletableFuture<VectorAddResponse> reply) {
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
