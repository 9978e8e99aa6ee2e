package io.ringkernel.cuda;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import io.ringkernel.KernelTerminatedException;
import io.ringkernel.RingKernel;
import io.ringkernel.cuda.probe.ProbeKernels;
import io.ringkernel.cuda.probe.ProbeRequest;
import io.ringkernel.cuda.probe.ProbeResponse;
import io.ringkernel.graph.KernelGraph;
import io.ringkernel.graph.KernelNetwork;

/**
 * A kernel that other kernels send to stops when terminated while its intake waits for room: the
 * host's requests fill its intake ring faster than its handler takes them, the intake block sees the
 * terminate while it waits, and the handler block must still learn of it. Otherwise the loop never
 * exits, the host gives up after the shutdown timeout and destroys the CUDA context, and with it
 * every other kernel of the backend.
 */
@Tag("gpu")
// A driver call that never returns cannot be interrupted: run the test on its own thread so the suite goes on.
@Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class CudaLinkedTerminateTest {

    /** Answers each request after 1 ms: far slower than the host sends. */
    private static final String SLOW = """
            __device__ int rk_handle(const ProbeRequest* in, ProbeResponse* out, rk_context* ctx) {
                if (ctx->thread == 0) {
                    const uint64_t until = rk_now() + 1000000;
                    while (rk_now() < until) {
                    }
                    out->sequence = in->sequence;
                    out->valid = 1;
                }
                return 0;
            }
            """;

    /** Answers at once; it links to "slow" only so that "slow" has an incoming link, hence an intake block. */
    private static final String FEEDER = """
            __device__ int rk_handle(const ProbeRequest* in, ProbeResponse* out, rk_context* ctx) {
                if (ctx->thread == 0) {
                    out->sequence = in->sequence;
                    out->valid = 1;
                }
                return 0;
            }
            """;

    private static final int CAPACITY = 16;
    private static final int SENT = 200;

    @TempDir
    static Path sources;

    @BeforeAll
    static void writeHandlers() throws IOException {
        Files.writeString(sources.resolve("slow.cu"), SLOW);
        Files.writeString(sources.resolve("feeder.cu"), FEEDER);
    }

    @Test
    void aKernelOthersSendToStopsInTimeWhenTerminatedWhileItsIntakeWaitsForRoom() throws Exception {
        try (CudaBackend cuda = GpuSupport.backendOrSkip();
                KernelNetwork network = TestResources.withClassPathRoot(sources, () -> KernelNetwork.create(KernelGraph.of(List.of(
                        ProbeKernels.definition("feeder").cudaSource("feeder.cu").linksTo("slow", ProbeRequest.class).build(),
                        // One warp: a message a millisecond, so the intake ring stays full.
                        ProbeKernels.definition("slow").cudaSource("slow.cu").capacity(CAPACITY).cudaBlockSize(32)
                                .blockTimeout(Duration.ofSeconds(30)).build())), cuda))) {
            network.launchAll();
            network.activateAll();
            RingKernel<ProbeRequest, ProbeResponse> slow = network.kernel("slow");
            RingKernel<ProbeRequest, ProbeResponse> feeder = network.kernel("feeder");
            ConcurrentLinkedQueue<CompletableFuture<ProbeResponse>> sent = new ConcurrentLinkedQueue<>();
            Thread producer = new Thread(() -> {
                try {
                    for (int i = 0; i < SENT; i++) {
                        sent.add(slow.send(ProbeKernels.request(i)));
                    }
                } catch (IllegalStateException stopped) {
                    // terminate() stopped accepting while this send waited for room: refused, as it should be
                }
            }, "slow-producer");
            producer.start();
            // Some requests answered, so the intake ring has long been full; then the host ring full too:
            // the intake block waits for room in its ring (the producer refills the host ring within
            // microseconds of each copy the intake makes).
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (sent.stream().filter(CompletableFuture::isDone).count() < 4 && System.nanoTime() < until) {
                Thread.sleep(1);
            }
            boolean full = false;
            while (!full && System.nanoTime() < until) {
                full = slow.telemetry().requestDepth() == CAPACITY;
            }
            assertThat(full).as("the host ring filled up once requests were being answered").isTrue();

            // Too short to drain: the loop is told to stop while the intake waits for room.
            long t0 = System.nanoTime();
            boolean drained = slow.terminate(Duration.ofMillis(5));
            long stopMicros = (System.nanoTime() - t0) / 1000;
            producer.join(10_000);
            System.out.printf("terminate: drained %s in %d us, %d sent, last error %s%n", drained, stopMicros, sent.size(),
                    slow.telemetry().lastError());

            assertThat(String.valueOf(slow.telemetry().lastError())).as("the loop exited within the shutdown timeout")
                    .doesNotContain("torn down");
            int answered = 0;
            for (CompletableFuture<ProbeResponse> f : sent) {
                try {
                    assertThat(f.get(10, TimeUnit.SECONDS).valid()).isEqualTo(1);
                    answered++;
                } catch (ExecutionException e) {
                    assertThat(e.getCause()).isInstanceOf(KernelTerminatedException.class);
                }
            }
            System.out.printf("%d of %d answered, the rest failed with KernelTerminatedException%n", answered, sent.size());
            assertThat(answered).as("answered before the terminate").isPositive();
            // The context lives on: another kernel of the backend still answers.
            assertThat(feeder.send(ProbeKernels.request(1_000)).get(10, TimeUnit.SECONDS).valid()).isEqualTo(1);
        }
    }
}
