package io.ringkernel.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

import io.ringkernel.cuda.KernelSource;

/**
 * The sensor kernel's CUDA source assembles with its generated structs; the source is written to
 * {@code target/generated-cuda} so {@code scripts/check-cuda-sources.sh} compiles it with nvcc.
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
}
