package io.ringkernel.autoconfigure.endpoint;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

import io.ringkernel.actuate.endpoint.RingKernelDetailsContributor;
import io.ringkernel.actuate.endpoint.RingKernelLinksDetailsContributor;
import io.ringkernel.actuate.endpoint.RingKernelsEndpoint;
import io.ringkernel.autoconfigure.RingKernelAutoConfiguration;
import io.ringkernel.spring.RingKernelRuntime;

/**
 * {@link EnableAutoConfiguration Auto-configuration} for the {@link RingKernelsEndpoint}, present
 * when Actuator is on the class path and the endpoint is available (accessible and exposed). Every
 * {@link RingKernelDetailsContributor} bean adds its per-kernel details.
 */
@AutoConfiguration(after = RingKernelAutoConfiguration.class)
@ConditionalOnClass({ ConditionalOnAvailableEndpoint.class, RingKernelsEndpoint.class })
@ConditionalOnBean(RingKernelRuntime.class)
public final class RingKernelsEndpointAutoConfiguration {

    // On the method, not the class: Spring instantiates every class-level condition before any
    // runs, and this one's condition class is missing when Actuator is.
    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnAvailableEndpoint
    RingKernelsEndpoint ringKernelsEndpoint(RingKernelRuntime runtime,
            ObjectProvider<RingKernelDetailsContributor> contributors) {
        return new RingKernelsEndpoint(runtime, contributors.orderedStream().toList());
    }

    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnAvailableEndpoint(endpoint = RingKernelsEndpoint.class)
    RingKernelLinksDetailsContributor ringKernelLinksDetailsContributor(RingKernelRuntime runtime) {
        return new RingKernelLinksDetailsContributor(runtime);
    }
}
