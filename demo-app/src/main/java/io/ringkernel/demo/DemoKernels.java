package io.ringkernel.demo;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.ringkernel.RingKernelDefinition;
import io.ringkernel.examples.VectorAddKernels;
import io.ringkernel.examples.VectorAddRequest;
import io.ringkernel.examples.VectorAddResponse;

/**
 * The demo's kernels, declared the starter's way: {@link RingKernelDefinition} beans, each of which
 * becomes a {@code RingKernel<I, O>} bean named by its id. Capacities and policies can be
 * overridden under {@code ringkernel.kernels.<id>.*}.
 */
@Configuration(proxyBeanMethods = false)
public class DemoKernels {

    /** Kernel id of VectorAdd. */
    public static final String VECTOR_ADD = "vector-add";
    /** Kernel id of the sensor statistics. */
    public static final String SENSORS = "sensors";

    @Bean
    static RingKernelDefinition<VectorAddRequest, VectorAddResponse> vectorAddDefinition() {
        return VectorAddKernels.inline(VECTOR_ADD).capacity(4096).build();
    }

    @Bean
    static RingKernelDefinition<SensorReading, SensorStats> sensorsDefinition() {
        return SensorKernels.definition(SENSORS).capacity(4096).build();
    }
}
