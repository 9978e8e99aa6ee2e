package io.ringkernel.cuda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import io.ringkernel.RingKernel;
import io.ringkernel.RingKernelDefinition;
import io.ringkernel.backend.Backend;
import io.ringkernel.backend.BackendDetection;

/** Opens the CUDA backend for a {@code gpu} test, or skips the test with the detection's reason. */
final class GpuSupport {

    private GpuSupport() {
    }

    static CudaBackend backendOrSkip() {
        return backendOrSkip(CudaOptions.fromSystemProperties());
    }

    static CudaBackend backendOrSkip(CudaOptions options) {
        BackendDetection detection = new CudaBackendProvider().detect();
        assumeTrue(detection.usable(), detection.reason());
        return new CudaBackend(Integer.getInteger("ringkernel.cuda.device", 0), options);
    }

    /**
     * Sends {@code inputs} in one batch to a kernel of {@code def} on {@code backend} and returns each
     * answer made comparable by {@code canonical}, or "failed:" and the failure's class; the kernel
     * must then terminate cleanly.
     */
    static <I, O> List<Object> answers(Backend backend, RingKernelDefinition<I, O> def, List<I> inputs,
            Function<O, Object> canonical) {
        try (RingKernel<I, O> k = backend.createKernel(def)) {
            k.launch();
            k.activate();
            List<CompletableFuture<O>> futures = k.sendBatch(inputs);
            List<Object> out = new ArrayList<>();
            for (CompletableFuture<O> f : futures) {
                try {
                    out.add(canonical.apply(f.get(30, TimeUnit.SECONDS)));
                } catch (ExecutionException e) {
                    out.add("failed:" + e.getCause().getClass().getSimpleName());
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            }
            assertThat(k.terminate(Duration.ofSeconds(5))).isTrue();
            return out;
        }
    }
}
