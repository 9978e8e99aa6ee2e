package io.ringkernel.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

import io.ringkernel.cuda.KernelSource;

/**
 * The demo's CUDA sources assemble with their generated structs and link functions; each is written
 * to {@code target/generated-cuda} so {@code scripts/check-cuda-sources.sh} compiles it with nvcc.
 */
class SensorKernelSourceTests {

    @Test
    void theSensorKernelAssemblesAsAStatefulKernelKeyedBySensor() throws Exception {
        KernelSource source = KernelSource.of(SensorKernels.definition(DemoKernels.SENSORS).build());

        assertThat(source.stateful()).isTrue();
        assertThat(source.text()).contains("typedef struct SensorReading {", "typedef struct SensorState {",
                "typedef struct SensorStats {", "#define RK_KEY_TYPE int64_t",
                "#line 1 \"" + SensorKernels.CUDA_SOURCE + "\"");
        Path out = Path.of("target", "generated-cuda");
        Files.createDirectories(out);
        Files.writeString(out.resolve("sensors.cu"), source.text());
    }

    @Test
    void thePipelineStagesAssembleWithTheirLinksAndTopics() throws Exception {
        Path out = Path.of("target", "generated-cuda");
        Files.createDirectories(out);
        KernelSource intake = KernelSource.of(PipelineKernels.pipelineIntakeDefinition());
        assertThat(intake.text()).contains("rk_forward_pipeline_stats(rk_context* ctx, const SensorReading* m)");
        KernelSource stats = KernelSource.of(PipelineKernels.pipelineStatsDefinition());
        assertThat(stats.text()).contains("#define RK_TOPIC_alerts 1", "typedef struct Alert {",
                "rk_publish_alerts(rk_context* ctx, const Alert* m)");
        Files.writeString(out.resolve("pipeline-intake.cu"), intake.text());
        Files.writeString(out.resolve("pipeline-stats.cu"), stats.text());
        Files.writeString(out.resolve("alert-counts.cu"), KernelSource.of(PipelineKernels.alertCountsDefinition()).text());
        Files.writeString(out.resolve("alert-severity.cu"), KernelSource.of(PipelineKernels.alertSeverityDefinition()).text());
    }
}
