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
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import io.ringkernel.KernelState;
import io.ringkernel.backend.BackendDetection;
import io.ringkernel.cpu.CpuBackend;
import io.ringkernel.KernelTerminatedException;
import io.ringkernel.RingKernel;
import io.ringkernel.cuda.probe.ProbeKernels;
import io.ringkernel.cuda.probe.ProbeRequest;
import io.ringkernel.cuda.probe.ProbeResponse;

/**
 * Device faults put the kernel in FAILED and fail every pending future with the CUDA error, and the
 * JVM keeps running. A handler that never returns is reported as a stalled heartbeat, torn down
 * without hanging, and a relaunch works.
 *
 * <p>Tagged {@code gpu-isolated} too: a device fault leaves CUDA unusable for the rest of the
 * process, so {@code scripts/gpu-tests.sh} runs each of these tests in a JVM of its own.
 */
@Tag("gpu")
@Tag("gpu-isolated")
// A driver call that never returns cannot be interrupted: run each test on its own thread so the suite goes on.
@Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class CudaFaultTest {

    /** words[0]: 0 answers, 1 traps, 2 reads address 0x10, 3 never returns. */
    static final String FAULTS = """
            __device__ int rk_handle(const ProbeRequest* in, ProbeResponse* out, rk_context* ctx) {
                if (in->words[0] == 1) {
                    __trap();
                }
                if (in->words[0] == 2 && ctx->thread == 0) {
                    out->checksum = *reinterpret_cast<volatile int*>(0x10);
                }
                if (in->words[0] == 3) {
                    while (true) {
                        __nanosleep(1000000);
                    }
                }
                if (ctx->thread == 0) {
                    out->sequence = in->sequence;
                    out->valid = 1;
                }
                return 0;
            }
            """;

    @TempDir
    static Path sources;

    @BeforeAll
    static void writeFaultHandler() throws IOException {
        Files.writeString(sources.resolve("faults.cu"), FAULTS);
    }

    private static RingKernel<ProbeRequest, ProbeResponse> faultKernel(CudaBackend backend, String id) {
        return TestResources.withClassPathRoot(sources,
                () -> backend.createKernel(ProbeKernels.definition(id).cudaSource("faults.cu").build()));
    }

    private static ProbeRequest request(long seq, int mode) {
        return ProbeKernels.request(seq, new int[] {mode, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0});
    }

    private static CudaException cudaCause(CompletableFuture<?> f) {
        try {
            f.get(20, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            assertThat(e.getCause()).isInstanceOf(KernelTerminatedException.class);
            Throwable c = e.getCause();
            while (c != null && !(c instanceof CudaException)) {
                c = c.getCause();
            }
            assertThat(c).as("CUDA cause of " + e.getCause()).isNotNull();
            return (CudaException) c;
        } catch (Exception e) {
            throw new AssertionError("future did not fail in time", e);
        }
        throw new AssertionError("future completed normally");
    }

    /**
     * A device fault fails the kernel and every pending future with the CUDA error; the JVM keeps
     * running (the CPU backend still serves), CUDA reports itself unusable with the reason, and a
     * relaunch fails fast with that reason: the driver keeps device faults for the life of the
     * process, so recovering the GPU takes a new JVM.
     */
    private void faultFailsTheKernelAndCudaReportsItself(int mode, String expectedError) {
        try (CudaBackend backend = GpuSupport.backendOrSkip();
                RingKernel<ProbeRequest, ProbeResponse> k = faultKernel(backend, "fault-" + mode)) {
            k.launch();
            k.activate();
            assertThat(k.send(request(1, 0)).orTimeout(10, TimeUnit.SECONDS).join().valid()).isEqualTo(1);
            k.deactivate(); // queue the fault and two more messages behind it, then let them go at once
            List<CompletableFuture<ProbeResponse>> pending = List.of(k.send(request(2, mode)), k.send(request(3, 0)),
                    k.send(request(4, 0)));
            k.activate();
            String name = null;
            for (CompletableFuture<ProbeResponse> f : pending) {
                CudaException e = cudaCause(f);
                assertThat(e.errorName()).startsWith("CUDA_ERROR_");
                if (expectedError != null) {
                    assertThat(e.errorName()).isEqualTo(expectedError);
                }
                name = e.errorName();
            }
            assertThat(k.state()).isEqualTo(KernelState.FAILED);
            assertThat(k.telemetry().lastError()).contains(name);

            BackendDetection after = new CudaBackendProvider().detect();
            assertThat(after.usable()).isFalse();
            assertThat(after.reason()).contains(name);
            assertThatThrownBy(k::launch).isInstanceOf(CudaException.class).hasMessageContaining(name)
                    .hasMessageContaining("restart the JVM");
            try (CpuBackend cpu = new CpuBackend();
                    RingKernel<ProbeRequest, ProbeResponse> onCpu = cpu.createKernel(ProbeKernels.definition("after").build())) {
                onCpu.launch();
                onCpu.activate();
                assertThat(onCpu.send(request(5, 0)).orTimeout(10, TimeUnit.SECONDS).join().valid()).isEqualTo(1);
            }
        }
    }

    @Test
    void trapFailsTheKernelWithTheCudaError() {
        faultFailsTheKernelAndCudaReportsItself(1, null);
    }

    @Test
    void illegalAddressFailsTheKernelWithTheCudaError() {
        faultFailsTheKernelAndCudaReportsItself(2, "CUDA_ERROR_ILLEGAL_ADDRESS");
    }

    /**
     * A trap while four producers push batches at full speed: within a bounded time every accepted
     * message ends answered (correctly) or failed with the CUDA error as the cause, and the producers
     * are refused from then on.
     */
    @Test
    void trapUnderLoadEndsEveryAcceptedMessageWithinBoundedTime() throws Exception {
        int producers = 4;
        ConcurrentLinkedQueue<Sent> accepted = new ConcurrentLinkedQueue<>();
        AtomicLong refused = new AtomicLong();
        try (CudaBackend backend = GpuSupport.backendOrSkip();
                RingKernel<ProbeRequest, ProbeResponse> k = faultKernel(backend, "trap-under-load")) {
            k.launch();
            k.activate();
            List<Thread> threads = new ArrayList<>();
            for (int p = 0; p < producers; p++) {
                long base = (long) p << 40;
                Thread t = new Thread(() -> {
                    for (long seq = base; ; seq += 64) {
                        List<ProbeRequest> batch = new ArrayList<>(64);
                        for (int i = 0; i < 64; i++) {
                            batch.add(request(seq + i, 0));
                        }
                        try {
                            List<CompletableFuture<ProbeResponse>> replies = k.sendBatch(batch);
                            for (int i = 0; i < 64; i++) {
                                accepted.add(new Sent(seq + i, replies.get(i)));
                            }
                        } catch (IllegalStateException failed) {
                            refused.incrementAndGet();
                            return;
                        }
                    }
                }, "trap-under-load-producer-" + p);
                t.start();
                threads.add(t);
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (k.telemetry().processed() < 50_000 && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
            CompletableFuture<ProbeResponse> trap = k.send(request(1L << 50, 1));
            long trapAt = System.nanoTime();
            CudaException cause = cudaCause(trap);
            for (Thread t : threads) {
                t.join(TimeUnit.SECONDS.toMillis(20));
                assertThat(t.isAlive()).as("producer %s stopped", t.getName()).isFalse();
            }
            long answered = 0;
            long failed = 0;
            for (Sent sent : accepted) {
                try {
                    assertThat(sent.reply().get(Math.max(1, 20_000_000_000L - (System.nanoTime() - trapAt)),
                            TimeUnit.NANOSECONDS).sequence()).isEqualTo(sent.sequence());
                    answered++;
                } catch (ExecutionException e) {
                    assertThat(e.getCause()).isInstanceOf(KernelTerminatedException.class);
                    assertThat(cudaErrorName(e.getCause())).isEqualTo(cause.errorName());
                    failed++;
                }
            }
            System.out.printf("trap under load: %d answered, %d failed with %s, all ended %.1f ms after the trap was sent%n",
                    answered, failed, cause.errorName(), (System.nanoTime() - trapAt) / 1e6);
            assertThat(answered + failed).isEqualTo(accepted.size());
            assertThat(answered).isPositive();
            assertThat(refused.get()).isEqualTo(producers);
            assertThat(k.state()).isEqualTo(KernelState.FAILED);
        }
    }

    private record Sent(long sequence, CompletableFuture<ProbeResponse> reply) {
    }

    private static String cudaErrorName(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof CudaException cuda) {
                return cuda.errorName();
            }
        }
        return null;
    }

    @Test
    void aHandlerThatNeverReturnsIsReportedAsStalledAndTornDown() {
        CudaOptions opts = CudaOptions.fromSystemProperties().withStallTimeout(Duration.ofMillis(500));
        try (CudaBackend backend = GpuSupport.backendOrSkip(opts);
                RingKernel<ProbeRequest, ProbeResponse> k = faultKernel(backend, "stall")) {
            k.launch();
            k.activate();
            CudaException e = cudaCause(k.send(request(1, 3)));
            assertThat(e.errorName()).isEqualTo("RINGKERNEL_STALLED");
            assertThat(k.state()).isEqualTo(KernelState.FAILED);
            assertThat(k.telemetry().lastError()).contains("stalled");

            long start = System.nanoTime();
            k.launch(); // tears the stuck kernel down (context destroyed), relaunches in a fresh context
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(15));
            k.activate();
            assertThat(k.send(request(2, 0)).orTimeout(20, TimeUnit.SECONDS).join().sequence()).isEqualTo(2);
            assertThat(k.terminate(Duration.ofSeconds(5))).isTrue();
        }
    }
}
