package io.ringkernel.cuda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import io.ringkernel.RingKernel;
import io.ringkernel.cuda.probe.ProbeKernels;
import io.ringkernel.cuda.probe.ProbeRequest;
import io.ringkernel.cuda.probe.ProbeResponse;

/**
 * Kernels that would wait for the ring kernels already running, which never end, instead of
 * starting. One whose handler needs more local memory per thread than the CUDA context keeps (the
 * driver grows it at the launch, and growing it waits for the running kernels: the launch hung) is
 * refused at once while others run; launched alone, it grows the context's local memory, which the
 * context keeps, so it can be relaunched later beside others; a context made with enough from the
 * start ({@code ringkernel.cuda.stack-bytes}) launches it at any time. One whose handler calls the
 * device's {@code printf} (or {@code malloc}) does not start beside running kernels (the launch
 * returned and the watchdog reported it stalled): refused at once, and launched first it runs, with
 * others launched beside it afterwards.
 */
@Tag("gpu")
// A driver call that never returns cannot be interrupted: run the test on its own thread so the suite goes on.
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class CudaLaunchBesideRunningKernelsTest {

    /** 4 KiB of local memory a thread (a volatile array indexed at run time), four times the driver's default. */
    private static final String LOCAL_ARRAY = """
            __device__ int rk_handle(const ProbeRequest* in, ProbeResponse* out, rk_context* ctx) {
                if (ctx->thread == 0) {
                    volatile int scratch[1024];
                    for (int i = 0; i < 1024; i++) {
                        scratch[i] = i;
                    }
                    const int at = (int) ((uint32_t) in->sequence & 1023u);
                    out->sequence = in->sequence;
                    out->valid = scratch[at] == at ? 1 : 0;
                }
                return 0;
            }
            """;

    /** Prints a request with a negative sequence (none comes): the device's printf is linked in all the same. */
    private static final String PRINTF = """
            __device__ int rk_handle(const ProbeRequest* in, ProbeResponse* out, rk_context* ctx) {
                if (ctx->thread == 0) {
                    if (in->sequence < 0) {
                        printf("negative sequence %lld\\n", (long long) in->sequence);
                    }
                    out->sequence = in->sequence;
                    out->valid = 1;
                }
                return 0;
            }
            """;

    @TempDir
    static Path sources;

    @BeforeAll
    static void writeHandlers() throws IOException {
        Files.writeString(sources.resolve("local_array.cu"), LOCAL_ARRAY);
        Files.writeString(sources.resolve("printf.cu"), PRINTF);
    }

    @Test
    void aKernelNeedingMoreLocalMemoryThanTheContextKeepsIsRefusedWhileOthersRun() throws Exception {
        assertRefusedBesideARunningKernel("local_array", "bytes of local memory", "ringkernel.cuda.stack-bytes");
    }

    @Test
    void aKernelThatGrewTheLocalMemoryAloneIsRelaunchedLaterWhileOthersRun() throws Exception {
        try (CudaBackend cuda = GpuSupport.backendOrSkip()) {
            RingKernel<ProbeRequest, ProbeResponse> probe = probe(cuda);
            RingKernel<ProbeRequest, ProbeResponse> local = kernel(cuda, "local_array");
            start(local);
            assertAnswers(local, 7);
            assertThat(local.terminate(Duration.ofSeconds(5))).isTrue();
            start(probe);

            start(local);

            assertAnswers(local, 8);
            assertAnswers(probe, 9);
        }
    }

    @Test
    void aContextMadeWithEnoughLocalMemoryLaunchesTheKernelWhileOthersRun() throws Exception {
        try (CudaBackend cuda = GpuSupport.backendOrSkip(CudaOptions.fromSystemProperties().withStackBytes(8 * 1024))) {
            RingKernel<ProbeRequest, ProbeResponse> probe = probe(cuda);
            RingKernel<ProbeRequest, ProbeResponse> local = kernel(cuda, "local_array");
            start(probe);

            start(local);

            assertAnswers(local, 3);
        }
    }

    @Test
    void aKernelCallingPrintfIsRefusedWhileOthersRun() throws Exception {
        assertRefusedBesideARunningKernel("printf", "printf", "Launch it before the others");
    }

    @Test
    void aKernelCallingPrintfLaunchedFirstRunsAndOthersStartBesideIt() throws Exception {
        try (CudaBackend cuda = GpuSupport.backendOrSkip()) {
            RingKernel<ProbeRequest, ProbeResponse> probe = probe(cuda);
            RingKernel<ProbeRequest, ProbeResponse> printing = kernel(cuda, "printf");
            start(printing);

            start(probe);

            assertAnswers(printing, 2);
            assertAnswers(probe, 3);
        }
    }

    /**
     * The kernel of {@code handler}, launched while the probe kernel runs, is refused at once with a
     * {@link CudaException} that says each of {@code says}, and the probe keeps answering.
     */
    private static void assertRefusedBesideARunningKernel(String handler, String... says) throws Exception {
        try (CudaBackend cuda = GpuSupport.backendOrSkip()) {
            RingKernel<ProbeRequest, ProbeResponse> probe = probe(cuda);
            RingKernel<ProbeRequest, ProbeResponse> refused = kernel(cuda, handler);
            start(probe);

            assertThatThrownBy(refused::launch).isInstanceOf(CudaException.class).hasMessageContainingAll(says);
            assertAnswers(probe, 1);
        }
    }

    private static RingKernel<ProbeRequest, ProbeResponse> probe(CudaBackend cuda) {
        return cuda.createKernel(ProbeKernels.definition("probe").build());
    }

    private static RingKernel<ProbeRequest, ProbeResponse> kernel(CudaBackend cuda, String handler) {
        return TestResources.withClassPathRoot(sources,
                () -> cuda.createKernel(ProbeKernels.definition(handler.replace('_', '-')).cudaSource(handler + ".cu").build()));
    }

    private static void start(RingKernel<?, ?> kernel) {
        kernel.launch();
        kernel.activate();
    }

    /** The kernel answers a request, checked by its own checksum. */
    private static void assertAnswers(RingKernel<ProbeRequest, ProbeResponse> kernel, long seq) throws Exception {
        assertThat(kernel.send(ProbeKernels.request(seq)).get(10, TimeUnit.SECONDS).valid())
                .as("kernel '" + kernel.id() + "' answers").isEqualTo(1);
    }
}
