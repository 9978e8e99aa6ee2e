package io.ringkernel.cuda;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.ringkernel.KernelFailedException;
import io.ringkernel.RingKernel;
import io.ringkernel.RingKernelDefinition;
import io.ringkernel.cpu.CpuBackend;
import io.ringkernel.examples.pipeline.PipelineKernels;
import io.ringkernel.examples.pipeline.PipelineReading;
import io.ringkernel.examples.pipeline.PipelineRun;
import io.ringkernel.examples.pipeline.PipelineSummary;
import io.ringkernel.graph.KernelGraph;
import io.ringkernel.graph.KernelNetwork;
import io.ringkernel.ring.KernelRoutes;

/**
 * Links on the device: the example pipeline (ingest → aggregate → topic alerts → two subscribers)
 * runs on CUDA with its rings in device memory, and answers exactly as on the CPU backend: the same
 * answers in the same order per sensor, the same failures, every alert delivered once to each
 * subscriber, nothing lost when the rings are too small for the load.
 */
@Tag("gpu")
// A driver call that never returns cannot be interrupted: run the test on its own thread so the suite goes on.
@Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class CudaLinksTest {

    private static final int SENSORS = 7;

    private static PipelineRun onCpu(List<RingKernelDefinition<?, ?>> definitions, List<PipelineReading> readings, int window) {
        try (CpuBackend cpu = new CpuBackend();
                KernelNetwork network = KernelNetwork.create(KernelGraph.of(definitions), cpu)) {
            return PipelineRun.of(network, readings, SENSORS, window);
        }
    }

    @Test
    void thePipelineInDeviceMemoryAnswersExactlyAsOnTheCpu() {
        List<PipelineReading> readings = PipelineRun.readings(5000, SENSORS);
        PipelineRun expected = onCpu(PipelineKernels.linked(1024), readings, 256);
        try (CudaBackend cuda = GpuSupport.backendOrSkip();
                KernelNetwork network = KernelNetwork.create(KernelGraph.of(PipelineKernels.linked(1024)), cuda)) {
            PipelineRun run = PipelineRun.of(network, readings, SENSORS, 256);
            assertThat(run).isEqualTo(expected);
            long answered = readings.stream().filter(r -> !Double.isNaN(r.value())).count();
            long anomalies = run.summaries().stream().filter(s -> s != null && s.anomaly()).count();
            assertThat(anomalies).isPositive();
            Map<String, KernelRoutes.Route> routes = byName(network);
            assertThat(routes.get("ingest -> aggregate").sent()).isEqualTo(answered);
            assertThat(routes.get("aggregate -> alerts-a (alerts)").sent()).isEqualTo(anomalies);
            assertThat(routes.get("aggregate -> alerts-b (alerts)").sent()).isEqualTo(anomalies);
            for (KernelRoutes.Route r : network.routes()) {
                assertThat(r.path()).isEqualTo("device memory");
                assertThat(r.dropped()).isZero();
                assertThat(r.rejected()).isZero();
                assertThat(r.targetQueueDepth()).isZero();
            }
            // Messages that came over links count as processed by the stage that handled them.
            assertThat(network.kernel(PipelineKernels.AGGREGATE).telemetry().processed()).isEqualTo(answered);
            assertThat(network.terminateAll(Duration.ofSeconds(5))).isTrue();
        }
    }

    @Test
    void ringsInPinnedHostMemoryTheHostStagedPathAnswerTheSame() {
        List<PipelineReading> readings = PipelineRun.readings(3000, SENSORS);
        PipelineRun expected = onCpu(PipelineKernels.linked(1024), readings, 256);
        try (CudaBackend cuda = GpuSupport.backendOrSkip(CudaOptions.fromSystemProperties().withHostStagedLinks(true));
                KernelNetwork network = KernelNetwork.create(KernelGraph.of(PipelineKernels.linked(1024)), cuda)) {
            assertThat(PipelineRun.of(network, readings, SENSORS, 256)).isEqualTo(expected);
            assertThat(network.routes()).allSatisfy(r -> assertThat(r.path()).isEqualTo("pinned host memory (host-staged)"));
        }
    }

    @Test
    void ringsFarTooSmallForTheLoadLoseNothing() {
        // 16-slot rings everywhere and 1024 requests in flight: every link is full most of the time,
        // so senders wait for room (BLOCK) instead of dropping.
        List<PipelineReading> readings = PipelineRun.readings(20_000, SENSORS);
        PipelineRun expected = onCpu(PipelineKernels.linked(16), readings, 1024);
        try (CudaBackend cuda = GpuSupport.backendOrSkip();
                KernelNetwork network = KernelNetwork.create(KernelGraph.of(PipelineKernels.linked(16)), cuda)) {
            PipelineRun run = PipelineRun.of(network, readings, SENSORS, 1024);
            assertThat(run).isEqualTo(expected);
            assertThat(network.routes()).allSatisfy(r -> assertThat(r.rejected() + r.dropped()).isZero());
        }
    }

    @Test
    void aSecondLaunchOfTheNetworkContinuesOnTheSameRings() {
        List<PipelineReading> readings = PipelineRun.readings(1000, SENSORS);
        try (CudaBackend cuda = GpuSupport.backendOrSkip();
                KernelNetwork network = KernelNetwork.create(KernelGraph.of(PipelineKernels.linked(64)), cuda)) {
            PipelineRun first = PipelineRun.of(network, readings, SENSORS, 128);
            assertThat(network.terminateAll(Duration.ofSeconds(5))).isTrue();
            PipelineRun second = PipelineRun.of(network, readings, SENSORS, 128);
            // State lives in each launch's state table, so the second launch starts from zero again...
            assertThat(second).isEqualTo(first);
            // ...while the links' counters run on across launches.
            long answered = readings.stream().filter(r -> !Double.isNaN(r.value())).count();
            assertThat(byName(network).get("ingest -> aggregate").sent()).isEqualTo(2 * answered);
        }
    }

    @Test
    void aStageTerminatedUnderLoadLeavesNoCallerWaiting() throws Exception {
        // The aggregate stage stops while ingest keeps forwarding to it: what reached its ring is
        // answered by its last drain, every later forward fails at ingest with
        // RK_ERROR_TARGET_STOPPED, and no caller waits forever.
        try (CudaBackend cuda = GpuSupport.backendOrSkip();
                KernelNetwork network = KernelNetwork.create(KernelGraph.of(PipelineKernels.linked(1024)), cuda)) {
            network.launchAll();
            network.activateAll();
            RingKernel<PipelineReading, PipelineSummary> ingest = network.kernel(PipelineKernels.INGEST);
            RingKernel<?, ?> aggregate = network.kernel(PipelineKernels.AGGREGATE);
            int total = 40_000;
            List<CompletableFuture<PipelineSummary>> futures = new ArrayList<>(total);
            for (int i = 0; i < total; i++) {
                if (i >= 512) {
                    futures.get(i - 512).exceptionally(e -> null).get(10, TimeUnit.SECONDS);
                }
                if (i == total / 4) {
                    assertThat(aggregate.terminate(Duration.ofSeconds(5))).isTrue();
                }
                futures.add(ingest.send(new PipelineReading(i % SENSORS, 1.0, 0, 0)));
            }
            int answered = 0;
            int stopped = 0;
            for (CompletableFuture<PipelineSummary> f : futures) {
                try {
                    f.get(10, TimeUnit.SECONDS);
                    answered++;
                } catch (ExecutionException e) {
                    assertThat(e.getCause()).as("why a forward failed").isInstanceOf(KernelFailedException.class)
                            .hasMessageContaining("device error code " + 0x7F000003);
                    stopped++;
                }
            }
            // Everything joined before the stop was answered; of the 512 in flight then, some may
            // reach ingest's handler only after the stop and fail.
            assertThat(answered).as("answered").isGreaterThanOrEqualTo(total / 4 - 512);
            assertThat(stopped).as("failed with RK_ERROR_TARGET_STOPPED").isPositive();
            assertThat(answered + stopped).isEqualTo(total);
        }
    }

    static Map<String, KernelRoutes.Route> byName(KernelNetwork network) {
        Map<String, KernelRoutes.Route> routes = new LinkedHashMap<>();
        for (KernelRoutes.Route r : network.routes()) {
            routes.put(r.from() + " -> " + r.to() + (r.topic() != null ? " (" + r.topic() + ")" : ""), r);
        }
        return routes;
    }
}
