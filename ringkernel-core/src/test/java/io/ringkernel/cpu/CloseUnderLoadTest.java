package io.ringkernel.cpu;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.ringkernel.KernelTerminatedException;
import io.ringkernel.RingKernel;
import io.ringkernel.RingKernelDefinition;
import io.ringkernel.memory.NativeMemory;

/**
 * Closing a kernel while producers push at full speed: every accepted message ends answered or
 * failed with a cause, producers are refused cleanly afterwards, no kernel thread and no native
 * byte is left behind — with a drain long enough to finish and with one that expires.
 */
class CloseUnderLoadTest {

    private static final int PRODUCERS = 4;

    @ParameterizedTest(name = "shutdown timeout {0} ms")
    @ValueSource(longs = {5_000, 1})
    void everyAcceptedMessageEndsAndNothingIsLeftBehind(long shutdownMillis) throws Exception {
        long allocatedBefore = NativeMemory.allocatedBytes();
        long freedBefore = NativeMemory.freedBytes();
        ConcurrentLinkedQueue<CompletableFuture<Echo.Reply>> accepted = new ConcurrentLinkedQueue<>();
        AtomicLong refusedAfterClose = new AtomicLong();
        CountDownLatch running = new CountDownLatch(PRODUCERS);
        List<Thread> producers = new ArrayList<>();
        try (CpuBackend backend = new CpuBackend()) {
            RingKernel<Echo, Echo.Reply> k = backend.createKernel(RingKernelDefinition.builder("close-under-load", Echo.class,
                    Echo.Reply.class).capacity(1024).shutdownTimeout(Duration.ofMillis(shutdownMillis))
                    .handler((m, ctx) -> {
                        LockSupport.parkNanos(2_000);
                        return new Echo.Reply(m.id(), m.value() * 2);
                    }).build());
            k.launch();
            k.activate();
            for (int p = 0; p < PRODUCERS; p++) {
                int producer = p;
                Thread t = new Thread(() -> {
                    running.countDown();
                    for (int i = 0; ; i++) {
                        try {
                            accepted.add(k.send(new Echo(((long) producer << 32) | i, i)));
                        } catch (IllegalStateException closed) {
                            refusedAfterClose.incrementAndGet();
                            return;
                        }
                    }
                }, "close-under-load-producer-" + p);
                t.start();
                producers.add(t);
            }
            assertThat(running.await(10, TimeUnit.SECONDS)).isTrue();
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (k.telemetry().processed() < 2_000 && System.nanoTime() < deadline) {
                LockSupport.parkNanos(1_000_000);
            }

            k.close();
            for (Thread t : producers) {
                t.join(TimeUnit.SECONDS.toMillis(30));
                assertThat(t.isAlive()).as("producer %s stopped", t.getName()).isFalse();
            }
        }

        long answered = 0;
        long failed = 0;
        for (CompletableFuture<Echo.Reply> f : accepted) {
            assertThat(f).isDone();
            try {
                Echo.Reply r = f.join();
                assertThat(r.doubled()).isEqualTo(2 * (int) r.id());
                answered++;
            } catch (CompletionException e) {
                assertThat(e.getCause()).isInstanceOf(KernelTerminatedException.class);
                failed++;
            }
        }
        assertThat(answered).isPositive();
        assertThat(answered + failed).isEqualTo(accepted.size());
        assertThat(refusedAfterClose.get()).isEqualTo(PRODUCERS);
        assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.getName().equals("ringkernel-close-under-load"));
        assertThat(NativeMemory.freedBytes() - freedBefore).isEqualTo(NativeMemory.allocatedBytes() - allocatedBefore);
    }
}
