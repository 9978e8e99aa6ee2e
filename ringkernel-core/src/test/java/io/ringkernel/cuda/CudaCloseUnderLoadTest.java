package io.ringkernel.cuda;

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

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.ringkernel.KernelTerminatedException;
import io.ringkernel.RingKernel;
import io.ringkernel.examples.VectorAddKernels;
import io.ringkernel.examples.VectorAddRequest;
import io.ringkernel.examples.VectorAddResponse;
import io.ringkernel.memory.NativeMemory;

/**
 * Closing CUDA kernels while producers push at full speed, with a drain long enough to finish and
 * with one that expires at once: every accepted message ends answered (correctly) or failed with a
 * cause, producers are refused cleanly, no reply pump thread is left, device memory in use does not
 * grow from one kernel to the next, and once the backend is closed every pinned host byte is freed.
 */
@Tag("gpu")
// A driver call that never returns cannot be interrupted: run the test on its own thread so the suite goes on.
@Timeout(value = 300, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class CudaCloseUnderLoadTest {

    private static final int PRODUCERS = 4;
    private static final long[] SHUTDOWN_MILLIS = {5_000, 1, 5_000, 1, 5_000, 1};

    @Test
    void everyAcceptedMessageEndsAndNothingIsLeftBehind() throws Exception {
        long allocatedBefore = NativeMemory.allocatedBytes();
        long freedBefore = NativeMemory.freedBytes();
        long[] deviceUsedAfter = new long[SHUTDOWN_MILLIS.length];
        long answered = 0;
        long failed = 0;
        try (CudaBackend cuda = GpuSupport.backendOrSkip()) {
            for (int round = 0; round < SHUTDOWN_MILLIS.length; round++) {
                long[] counts = closeUnderLoad(cuda, "close-under-load-" + round, Duration.ofMillis(SHUTDOWN_MILLIS[round]));
                answered += counts[0];
                failed += counts[1];
                long[] freeAndTotal = cuda.deviceMemory();
                deviceUsedAfter[round] = freeAndTotal[1] - freeAndTotal[0];
                System.out.printf("round %d (shutdown %d ms): %d answered, %d failed with a cause, device used %.1f MB%n",
                        round, SHUTDOWN_MILLIS[round], counts[0], counts[1], deviceUsedAfter[round] / 1e6);
            }
        }
        assertThat(answered).isPositive();
        // Round 0 sizes the context's arenas; later rounds must reuse what round 0 released.
        for (int round = 1; round < deviceUsedAfter.length; round++) {
            assertThat(deviceUsedAfter[round]).as("device memory in use after round %d", round)
                    .isLessThanOrEqualTo(deviceUsedAfter[0]);
        }
        assertThat(NativeMemory.freedBytes() - freedBefore).as("pinned and off-heap bytes freed after the backend closed")
                .isEqualTo(NativeMemory.allocatedBytes() - allocatedBefore);
        assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.getName().startsWith("ringkernel-cuda-close-under-load"));
    }

    private record Sent(int index, int producer, CompletableFuture<VectorAddResponse> reply) {
    }

    /** One kernel closed under load; returns {answered, failed}. */
    private static long[] closeUnderLoad(CudaBackend cuda, String id, Duration shutdownTimeout) throws InterruptedException {
        ConcurrentLinkedQueue<Sent> accepted = new ConcurrentLinkedQueue<>();
        AtomicLong refusedAfterClose = new AtomicLong();
        CountDownLatch running = new CountDownLatch(PRODUCERS);
        List<Thread> producers = new ArrayList<>();
        RingKernel<VectorAddRequest, VectorAddResponse> k =
                cuda.createKernel(VectorAddKernels.inline(id).capacity(1024).shutdownTimeout(shutdownTimeout).build());
        k.launch();
        k.activate();
        for (int p = 0; p < PRODUCERS; p++) {
            int producer = p;
            Thread t = new Thread(() -> {
                running.countDown();
                for (int i = 0; ; i++) {
                    try {
                        accepted.add(new Sent(i, producer, k.send(new VectorAddRequest(new float[] {i, producer}, new float[] {1, 1}))));
                    } catch (IllegalStateException closed) {
                        refusedAfterClose.incrementAndGet();
                        return;
                    }
                }
            }, id + "-producer-" + p);
            t.start();
            producers.add(t);
        }
        assertThat(running.await(10, TimeUnit.SECONDS)).isTrue();
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (k.telemetry().processed() < 20_000 && System.nanoTime() < deadline) {
            LockSupport.parkNanos(1_000_000);
        }

        k.close();
        for (Thread t : producers) {
            t.join(TimeUnit.SECONDS.toMillis(30));
            assertThat(t.isAlive()).as("producer %s stopped", t.getName()).isFalse();
        }
        assertThat(refusedAfterClose.get()).isEqualTo(PRODUCERS);

        long answered = 0;
        long failed = 0;
        for (Sent sent : accepted) {
            assertThat(sent.reply()).isDone();
            try {
                assertThat(sent.reply().join().c()).containsExactly(sent.index() + 1f, sent.producer() + 1f);
                answered++;
            } catch (CompletionException e) {
                assertThat(e.getCause()).isInstanceOf(KernelTerminatedException.class);
                failed++;
            }
        }
        assertThat(answered + failed).isEqualTo(accepted.size());
        return new long[] {answered, failed};
    }
}
