package io.ringkernel.examples.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

import io.ringkernel.cpu.CpuBackend;
import io.ringkernel.graph.KernelGraph;
import io.ringkernel.graph.KernelNetwork;

/** The example pipeline on the CPU backend, the reference its CUDA run is compared with (CudaLinksTest). */
class PipelineKernelsTest {

    private static final int SENSORS = 5;

    @Test
    void everyReadingIsAnsweredByTheAggregateStageWithItsSensorsTotals() {
        List<PipelineReading> readings = PipelineRun.readings(2000, SENSORS);
        PipelineRun run;
        try (CpuBackend cpu = new CpuBackend();
                KernelNetwork network = KernelNetwork.create(KernelGraph.of(PipelineKernels.linked(256)), cpu)) {
            run = PipelineRun.of(network, readings, SENSORS, 64);
        }
        long[] count = new long[SENSORS];
        double[] sum = new double[SENSORS];
        for (int i = 0; i < readings.size(); i++) {
            PipelineReading r = readings.get(i);
            if (Double.isNaN(r.value())) {
                assertThat(run.failures()).containsEntry(i, "KernelFailedException");
                continue;
            }
            int s = (int) r.sensor();
            count[s]++;
            sum[s] += r.value();
            PipelineSummary answer = run.summaries().get(i);
            assertThat(answer.count()).isEqualTo(count[s]);
            assertThat(answer.sum()).isEqualTo(sum[s]);
            assertThat(answer.anomaly()).isEqualTo(r.value() > PipelineKernels.ANOMALY);
        }
        assertThat(run.failures()).hasSize(2000 / 97);
    }

    @Test
    void bothSubscribersCountEveryAnomalyOnce() {
        List<PipelineReading> readings = PipelineRun.readings(2000, SENSORS);
        try (CpuBackend cpu = new CpuBackend();
                KernelNetwork network = KernelNetwork.create(KernelGraph.of(PipelineKernels.linked(256)), cpu)) {
            PipelineRun run = PipelineRun.of(network, readings, SENSORS, 64);
            for (long sensor = 0; sensor < SENSORS; sensor++) {
                long s = sensor;
                long anomalies = readings.stream().filter(r -> r.sensor() == s && r.value() > PipelineKernels.ANOMALY).count();
                assertThat(run.talliesA().get(sensor).alerts()).isEqualTo(anomalies);
            }
            assertThat(run.talliesB()).isEqualTo(run.talliesA());
        }
    }
}
