package io.ringkernel.autoconfigure.metrics;

import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

import io.ringkernel.autoconfigure.RingKernelAutoConfiguration;
import io.ringkernel.metrics.RingKernelMetrics;
import io.ringkernel.spring.RingKernelRuntime;

/**
 * {@link EnableAutoConfiguration Auto-configuration} for the {@link RingKernelMetrics} meter
 * binder, present when Micrometer is on the class path and a {@link MeterRegistry} exists. It only
 * contributes a {@code MeterBinder}; Spring Boot binds it to the registry, so nothing here
 * depends on the registry bean itself.
 */
@AutoConfiguration(after = RingKernelAutoConfiguration.class,
        afterName = { "org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration",
                "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration" })
@ConditionalOnClass({ MeterRegistry.class, RingKernelMetrics.class })
@ConditionalOnBean({ RingKernelRuntime.class, MeterRegistry.class })
public final class RingKernelMetricsAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    RingKernelMetrics ringKernelMetrics(RingKernelRuntime runtime) {
        return new RingKernelMetrics(runtime);
    }
}
