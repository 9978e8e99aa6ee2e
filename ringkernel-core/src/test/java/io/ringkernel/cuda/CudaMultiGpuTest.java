package io.ringkernel.cuda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.ringkernel.RingKernel;
import io.ringkernel.examples.VectorAddKernels;
import io.ringkernel.examples.VectorAddRequest;
import io.ringkernel.examples.VectorAddResponse;

/**
 * One backend per device, each running its own persistent kernel at the same time, with the same
 * answers (needs two or more GPUs; skips with the device count otherwise); and a device index the
 * driver does not have is refused, which one GPU can show.
 */
@Tag("gpu")
@Tag("multigpu")
// A driver call that never returns cannot be interrupted: run the test on its own thread so the suite goes on.
@Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class CudaMultiGpuTest {

    @Test
    void aDeviceIndexTheDriverDoesNotHaveIsRefusedWithTheCount() {
        try (CudaBackend first = GpuSupport.backendOrSkip()) {
            int count = CudaDetector.devices().size();
            assertThatThrownBy(() -> new CudaBackend(count, CudaOptions.fromSystemProperties()))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("CUDA device " + count + " does not exist; the driver reports " + count + " device(s)");
            assertThat(first.device().index()).isZero();
        }
    }

    @Test
    void everyDeviceRunsItsOwnKernelAndAnswersTheSame() {
        try (CudaBackend first = GpuSupport.backendOrSkip()) {
            List<CudaDeviceInfo> devices = CudaDetector.devices();
            assumeTrue(devices.size() >= 2, "needs 2 or more CUDA devices; the driver reports " + devices.size());
            try (CudaBackend second = new CudaBackend(1, CudaOptions.fromSystemProperties());
                    RingKernel<VectorAddRequest, VectorAddResponse> a = first.createKernel(VectorAddKernels.inline("on-0").build());
                    RingKernel<VectorAddRequest, VectorAddResponse> b = second.createKernel(VectorAddKernels.inline("on-1").build())) {
                a.launch();
                b.launch();
                a.activate();
                b.activate();
                assertThat(a.device()).isNotNull();
                for (int i = 0; i < 1000; i++) {
                    VectorAddRequest r = new VectorAddRequest(new float[] {i, 0.1f * i}, new float[] {1, 3});
                    assertThat(b.send(r).join().c()).containsExactly(a.send(r).join().c());
                }
                assertThat(a.terminate(Duration.ofSeconds(5))).isTrue();
                assertThat(b.terminate(Duration.ofSeconds(5))).isTrue();
            }
        }
    }
}
