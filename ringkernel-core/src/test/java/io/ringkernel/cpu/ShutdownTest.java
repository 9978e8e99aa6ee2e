package io.ringkernel.cpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.locks.LockSupport;

import org.junit.jupiter.api.Test;

import io.ringkernel.DeviceBuffer;
import io.ringkernel.KernelState;
import io.ringkernel.KernelTerminatedException;
import io.ringkernel.RingKernel;
import io.ringkernel.RingKernelDefinition;
import io.ringkernel.memory.NativeMemory;

class ShutdownTest {

    private static RingKernelDefinition<Echo, Echo.Reply> slow(String id) {
        return RingKernelDefinition.builder(id, Echo.class, Echo.Reply.class).capacity(256)
                .handler((m, ctx) -> {
                    LockSupport.parkNanos(1_000_000);
                    return new Echo.Reply(m.id(), m.value() * 2);
                }).build();
    }

    @Test
    void terminateWithMessagesInFlightCompletesEveryFuture() {
        try (CpuBackend backend = new CpuBackend()) {
            RingKernel<Echo, Echo.Reply> k = backend.createKernel(slow("inflight"));
            k.launch();
            k.activate();
            List<CompletableFuture<Echo.Reply>> replies = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                replies.add(k.send(new Echo(i, i)));
            }

            boolean drained = k.terminate(Duration.ofMillis(20));

            assertThat(drained).isFalse();
            int ok = 0;
            int failed = 0;
            for (int i = 0; i < replies.size(); i++) {
                CompletableFuture<Echo.Reply> f = replies.get(i);
                assertThat(f).isDone();
                try {
                    assertThat(f.join()).isEqualTo(new Echo.Reply(i, 2 * i));
                    ok++;
                } catch (CompletionException e) {
                    assertThat(e.getCause()).isInstanceOf(KernelTerminatedException.class)
                            .hasMessageContaining("terminated before replying");
                    failed++;
                }
            }
            assertThat(ok).isPositive();
            assertThat(failed).isPositive();
            assertThat(ok + failed).isEqualTo(200);
        }
    }

    @Test
    void terminateDrainsEverythingWhenGivenTime() {
        try (CpuBackend backend = new CpuBackend()) {
            RingKernel<Echo, Echo.Reply> k = backend.createKernel(slow("drain"));
            k.launch();
            k.activate();
            List<CompletableFuture<Echo.Reply>> replies = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                replies.add(k.send(new Echo(i, i)));
            }

            assertThat(k.terminate(Duration.ofSeconds(30))).isTrue();

            for (int i = 0; i < 50; i++) {
                assertThat(replies.get(i).join()).isEqualTo(new Echo.Reply(i, 2 * i));
            }
        }
    }

    @Test
    void terminatingAnInactiveKernelFailsQueuedMessagesWithTheReason() {
        try (CpuBackend backend = new CpuBackend()) {
            RingKernel<Echo, Echo.Reply> k = backend.createKernel(Echo.kernel("inactive").build());
            k.launch();
            CompletableFuture<Echo.Reply> queued = k.send(new Echo(1, 1));

            k.terminate(Duration.ofSeconds(1));

            assertThat(queued).isCompletedExceptionally();
            assertThatThrownBy(queued::join).cause().isInstanceOf(KernelTerminatedException.class)
                    .hasMessageContaining("not active");
        }
    }

    @Test
    void closeFreesEveryByteOfOffHeapMemory() {
        long allocatedBefore = NativeMemory.allocatedBytes();
        long freedBefore = NativeMemory.freedBytes();
        CpuBackend backend = new CpuBackend();
        RingKernel<Echo, Echo.Reply> k = backend.createKernel(Echo.kernel("memory").capacity(1024).build());
        k.launch();
        k.activate();
        DeviceBuffer leftOpen = k.allocateBuffer(1 << 16);
        try (DeviceBuffer closed = k.allocateBuffer(4096)) {
            closed.write(0, new float[] {1}, 0, 1);
        }
        for (int i = 0; i < 1000; i++) {
            k.send(new Echo(i, i)).join();
        }
        long allocated = NativeMemory.allocatedBytes() - allocatedBefore;

        k.close();
        backend.close();

        assertThat(allocated).isGreaterThan(1 << 16);
        assertThat(NativeMemory.freedBytes() - freedBefore).isEqualTo(allocated);
        assertThat(k.state()).isEqualTo(KernelState.DISPOSED);
        assertThat(leftOpen.handle().byteLength()).isEqualTo(1 << 16);
    }

    @Test
    void aBackendForgetsTheKernelsItCreatedOnceTheyAreClosed() {
        try (CpuBackend backend = new CpuBackend()) {
            for (int i = 0; i < 10; i++) {
                RingKernel<Echo, Echo.Reply> k = backend.createKernel(Echo.kernel("short-lived-" + i).build());
                k.launch();
                k.close();
            }
            RingKernel<Echo, Echo.Reply> open = backend.createKernel(Echo.kernel("open").build());

            assertThat(backend.openKernels()).isEqualTo(1);
            open.close();
            assertThat(backend.openKernels()).isZero();
        }
    }

    @Test
    void aHandlerThatNeverReturnsCannotHangClose() {
        long freedBefore = NativeMemory.freedBytes();
        CpuBackend backend = new CpuBackend();
        CompletableFuture<Void> release = new CompletableFuture<>();
        RingKernel<Echo, Echo.Reply> k = backend.createKernel(RingKernelDefinition.builder("stuck", Echo.class, Echo.Reply.class)
                .shutdownTimeout(Duration.ofMillis(50))
                .handler((m, ctx) -> {
                    while (!release.isDone()) {
                        LockSupport.parkNanos(1_000_000);
                    }
                    return new Echo.Reply(m.id(), 0);
                }).build());
        k.launch();
        k.activate();
        CompletableFuture<Echo.Reply> stuck = k.send(new Echo(1, 1));

        long start = System.nanoTime();
        k.close();
        long closeNanos = System.nanoTime() - start;

        assertThat(k.state()).isEqualTo(KernelState.DISPOSED);
        assertThatThrownBy(stuck::join).cause().isInstanceOf(KernelTerminatedException.class);
        assertThat(Duration.ofNanos(closeNanos)).isLessThan(Duration.ofSeconds(30));
        release.complete(null);
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (NativeMemory.freedBytes() == freedBefore && System.nanoTime() < deadline) {
            LockSupport.parkNanos(1_000_000);
        }
        assertThat(NativeMemory.freedBytes()).isGreaterThan(freedBefore);
        backend.close();
    }
}
