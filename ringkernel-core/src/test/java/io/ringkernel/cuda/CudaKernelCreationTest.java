package io.ringkernel.cuda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.ringkernel.RingKernel;
import io.ringkernel.examples.VectorAddKernels;
import io.ringkernel.examples.VectorAddRequest;
import io.ringkernel.examples.VectorAddResponse;

/**
 * Creating kernels while others run: a kernel whose handler and types are already loaded is created,
 * launched and served at any time; one that needs a new CUDA module fails at once with the reason
 * (loading a module would wait forever for the running persistent kernels), instead of hanging.
 */
@Tag("gpu")
// A driver call that never returns cannot be interrupted: run the test on its own thread so the suite goes on.
@Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class CudaKernelCreationTest {

    @Test
    void kernelsSharingAModuleAreCreatedWhileOthersRunAndANewModuleFailsFast() {
        try (CudaBackend cuda = GpuSupport.backendOrSkip();
                RingKernel<VectorAddRequest, VectorAddResponse> first = cuda.createKernel(VectorAddKernels.inline("first").build())) {
            first.launch();
            first.activate();
            long freeWithOneKernel = cuda.deviceMemory()[0];
            assertThat(freeWithOneKernel).isPositive();

            try (RingKernel<VectorAddRequest, VectorAddResponse> second =
                    cuda.createKernel(VectorAddKernels.inline("second").capacity(256).build())) {
                second.launch();
                second.activate();
                assertThat(second.send(new VectorAddRequest(new float[] {1, 2}, new float[] {3, 4})).join().c())
                        .containsExactly(4f, 6f);
                assertThat(second.terminate(Duration.ofSeconds(5))).isTrue();
            }

            assertThatThrownBy(() -> cuda.createKernel(RunningSumKernels.definition("new-module").build()))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("'new-module'")
                    .hasMessageContaining("1 ring kernel(s) already running")
                    .hasMessageContaining("before launching any");
            assertThat(first.send(new VectorAddRequest(new float[] {5}, new float[] {6})).join().c()).containsExactly(11f);
            assertThat(first.terminate(Duration.ofSeconds(5))).isTrue();
        }
    }
}
