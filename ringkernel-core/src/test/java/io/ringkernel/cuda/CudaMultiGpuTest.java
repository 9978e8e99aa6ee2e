package io.ringkernel.cuda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.ringkernel.RingKernel;
import io.ringkernel.cpu.CpuBackend;
import io.ringkernel.examples.pipeline.PipelineKernels;
import io.ringkernel.examples.pipeline.PipelineReading;
import io.ringkernel.examples.pipeline.PipelineRun;
import io.ringkernel.graph.KernelGraph;
import io.ringkernel.graph.KernelNetwork;
import io.ringkernel.ring.KernelRoutes;
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
    void aPipelineSpreadOverTwoDevicesAnswersAsOnTheCpu() {
        try (CudaBackend first = GpuSupport.backendOrSkip()) {
            List<CudaDeviceInfo> devices = CudaDetector.devices();
            assumeTrue(devices.size() >= 2, "needs 2 or more CUDA devices; the driver reports " + devices.size());
            List<PipelineReading> readings = PipelineRun.readings(5000, 7);
            PipelineRun expected;
            try (CpuBackend cpu = new CpuBackend();
                    KernelNetwork network = KernelNetwork.create(KernelGraph.of(PipelineKernels.linked(1024)), cpu)) {
                expected = PipelineRun.of(network, readings, 7, 256);
            }
            // ingest and alerts-a on device 0, aggregate and alerts-b on device 1: two routes cross.
            Map<String, Integer> device = Map.of(PipelineKernels.INGEST, 0, PipelineKernels.AGGREGATE, 1,
                    PipelineKernels.ALERTS_A, 0, PipelineKernels.ALERTS_B, 1);
            try (CudaBackend second = new CudaBackend(1, CudaOptions.fromSystemProperties());
                    KernelNetwork network = KernelNetwork.create(KernelGraph.of(PipelineKernels.linked(1024)),
                            id -> device.get(id) == 0 ? first : second)) {
                assertThat(PipelineRun.of(network, readings, 7, 256)).isEqualTo(expected);
                Map<String, KernelRoutes.Route> routes = CudaLinksTest.byName(network);
                String crossing = CudaDetector.canAccessPeer(0, 1) ? "peer device memory (P2P)" : "pinned host memory (host-staged)";
                assertThat(routes.get("ingest -> aggregate").path()).isEqualTo(crossing);
                assertThat(routes.get("aggregate -> alerts-a (alerts)").path()).isEqualTo(crossing);
                assertThat(routes.get("aggregate -> alerts-b (alerts)").path()).isEqualTo("device memory");
            }
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
