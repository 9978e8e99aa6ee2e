package io.ringkernel.cuda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import io.ringkernel.KernelFailedException;
import io.ringkernel.KernelTerminatedException;
import io.ringkernel.ReplyHandler;
import io.ringkernel.RingKernel;
import io.ringkernel.cuda.probe.ProbeKernels;
import io.ringkernel.cuda.probe.ProbeRequest;
import io.ringkernel.cuda.probe.ProbeResponse;
import io.ringkernel.graph.KernelGraph;
import io.ringkernel.graph.KernelNetwork;

/**
 * A terminate that finds the host's reply ring full: the kernel has handled a pass and waits for
 * room for its replies while the host's reply callback is held up. It keeps waiting through the
 * terminate, since the host's reply pump goes on taking replies while the host waits for the loop to
 * exit; when that wait runs out the host tells it to give up ({@code ControlBlock.ABANDON}) and it
 * leaves with its incoming links closed, so that what other kernels send it from then on is refused
 * with {@code RK_ERROR_TARGET_STOPPED} instead of counted as sent and never taken.
 */
@Tag("gpu")
// A driver call that never returns cannot be interrupted: run the test on its own thread so the suite goes on.
@Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class CudaTerminateReplyRingFullTest {

    /** Sends each request on to "target" and answers with what the send returned. */
    private static final String SENDER = """
            __device__ int rk_handle(const ProbeRequest* in, ProbeResponse* out, rk_context* ctx) {
                if (ctx->thread != 0) {
                    return 0;
                }
                out->sequence = in->sequence;
                out->valid = 1;
                return rk_send_target(ctx, in);
            }
            """;

    private static final int CAPACITY = 16;
    /** Two rings' worth: the kernel fills the reply ring and still has requests to take. */
    private static final int SENT = 2 * CAPACITY;
    private static final int TARGET_STOPPED = 0x7F000003;

    @TempDir
    static Path sources;

    @BeforeAll
    static void writeHandlers() throws IOException {
        Files.writeString(sources.resolve("sender.cu"), SENDER);
    }

    @Test
    void aKernelWaitingForReplyRoomWhenTerminatedDeliversThoseRepliesOnceTheHostTakesReplies() throws Exception {
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
        try (CudaBackend cuda = GpuSupport.backendOrSkip()) {
            RingKernel<ProbeRequest, ProbeResponse> kernel = cuda.createKernel(ProbeKernels.definition("probe").capacity(CAPACITY).build());
            kernel.launch();
            kernel.activate();
            HeldReplies held = new HeldReplies();
            CompletableFuture<Void> batch = kernel.sendBatch(requests(), held);
            held.awaitKernelWaitingForRoom(kernel);

            // The host's drain gives up at 300 ms and commands the terminate, then waits for the loop
            // to exit; 30 ms into that wait the callback lets go, and the reply pump takes the rest.
            timer.schedule(held.release::countDown, 330, TimeUnit.MILLISECONDS);
            kernel.terminate(Duration.ofMillis(300));
            batch.exceptionally(e -> null).get(10, TimeUnit.SECONDS);

            assertThat(String.valueOf(kernel.telemetry().lastError())).doesNotContain("torn down");
            assertThat(held.answered.get() + held.terminated.get()).as("every request reported").isEqualTo(SENT);
            // The ring held CAPACITY replies and the callback one when the terminate came; the pass
            // that waited for room was answered too, instead of its replies being dropped.
            assertThat(held.answered.get()).as("answered").isGreaterThan(CAPACITY + 1);
        } finally {
            timer.shutdownNow();
        }
    }

    @Test
    void aKernelGivingUpOnReplyRoomClosesItsLinksSoLaterSendsAreRefused() throws Exception {
        try (CudaBackend cuda = GpuSupport.backendOrSkip();
                KernelNetwork network = TestResources.withClassPathRoot(sources, () -> KernelNetwork.create(KernelGraph.of(List.of(
                        ProbeKernels.definition("sender").cudaSource("sender.cu").linksTo("target", ProbeRequest.class).build(),
                        ProbeKernels.definition("target").capacity(CAPACITY).build())), cuda))) {
            network.launchAll();
            network.activateAll();
            RingKernel<ProbeRequest, ProbeResponse> sender = network.kernel("sender");
            RingKernel<ProbeRequest, ProbeResponse> target = network.kernel("target");
            assertThat(sender.send(ProbeKernels.request(-1)).get(10, TimeUnit.SECONDS).valid()).as("a send before the stop").isEqualTo(1);
            HeldReplies held = new HeldReplies();
            CompletableFuture<Void> batch = target.sendBatch(requests(), held);
            held.awaitKernelWaitingForRoom(target);

            // The callback never lets go while the host waits: the host tells the loop to give up.
            boolean drained = target.terminate(Duration.ofMillis(100));

            assertThat(drained).as("drained").isFalse();
            assertThat(String.valueOf(target.telemetry().lastError())).as("left at ABANDON, not torn down")
                    .doesNotContain("torn down");
            assertThatThrownBy(() -> sender.send(ProbeKernels.request(1)).get(10, TimeUnit.SECONDS))
                    .as("a send to the stopped target").isInstanceOf(ExecutionException.class)
                    .cause().isInstanceOf(KernelFailedException.class).hasMessageContaining("device error code " + TARGET_STOPPED);
            held.release.countDown();
            batch.exceptionally(e -> null).get(10, TimeUnit.SECONDS);
            assertThat(held.answered.get() + held.terminated.get()).as("every request reported").isEqualTo(SENT);
        }
    }

    private static List<ProbeRequest> requests() {
        List<ProbeRequest> list = new ArrayList<>();
        for (int i = 0; i < SENT; i++) {
            list.add(ProbeKernels.request(i));
        }
        return list;
    }

    /** A batch's reply callback that holds up the host's reply pump at its first reply until released. */
    private static final class HeldReplies implements ReplyHandler<ProbeResponse> {

        final CountDownLatch release = new CountDownLatch(1);
        final AtomicBoolean holding = new AtomicBoolean();
        final AtomicInteger answered = new AtomicInteger();
        final AtomicInteger terminated = new AtomicInteger();

        @Override
        public void onReply(int index, ProbeResponse reply, Throwable failure) {
            if (reply != null) {
                answered.incrementAndGet();
            } else if (failure instanceof KernelTerminatedException) {
                terminated.incrementAndGet();
            }
            if (holding.compareAndSet(false, true)) {
                try {
                    release.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }

        /** Waits until the kernel's reply ring is full: it then waits for room for the next pass's replies. */
        void awaitKernelWaitingForRoom(RingKernel<?, ?> kernel) throws InterruptedException {
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (kernel.telemetry().responseDepth() < CAPACITY && System.nanoTime() < until) {
                Thread.sleep(1);
            }
            assertThat(kernel.telemetry().responseDepth()).as("replies waiting in the full reply ring").isEqualTo(CAPACITY);
            Thread.sleep(50); // the next pass reaches its wait for room
        }
    }
}
