package io.ringkernel.autoconfigure.health;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.context.annotation.Bean;

import io.ringkernel.autoconfigure.RingKernelAutoConfiguration;
import io.ringkernel.autoconfigure.RingKernelProperties;
import io.ringkernel.health.RingKernelsHealthIndicator;
import io.ringkernel.spring.RingKernelRuntime;

/**
 * {@link EnableAutoConfiguration Auto-configuration} for the {@link RingKernelsHealthIndicator}
 * (contributed as {@code ringKernels}; switched off with {@code management.health.ringkernels.enabled=false}).
 */
@AutoConfiguration(after = RingKernelAutoConfiguration.class,
        beforeName = "org.springframework.boot.health.autoconfigure.contributor.HealthContributorAutoConfiguration")
@ConditionalOnClass({ ConditionalOnEnabledHealthIndicator.class, RingKernelsHealthIndicator.class })
@ConditionalOnBean(RingKernelRuntime.class)
public final class RingKernelsHealthContributorAutoConfiguration {

    // On the method, not the class: Spring instantiates every class-level condition before any
    // runs, and this one's condition class is missing when spring-boot-health is.
    @Bean
    @ConditionalOnEnabledHealthIndicator("ringkernels")
    @ConditionalOnMissingBean(name = { "ringKernelsHealthIndicator", "ringKernelsHealthContributor" })
    RingKernelsHealthIndicator ringKernelsHealthIndicator(RingKernelRuntime runtime, RingKernelProperties properties) {
        return new RingKernelsHealthIndicator(runtime, properties.getWatchdog().getHeartbeatTimeout());
    }
}
