package io.ringkernel.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.junit.jupiter.api.Test;
import org.springframework.boot.actuate.autoconfigure.endpoint.EndpointAutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.ringkernel.actuate.endpoint.RingKernelDetailsContributor;
import io.ringkernel.actuate.endpoint.RingKernelsEndpoint;
import io.ringkernel.autoconfigure.endpoint.RingKernelsEndpointAutoConfiguration;

/** Other modules add per-kernel details to the endpoint through {@link RingKernelDetailsContributor} beans. */
class RingKernelsEndpointDetailsTests {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(RingKernelAutoConfiguration.class,
                    RingKernelsEndpointAutoConfiguration.class, EndpointAutoConfiguration.class))
            .withUserConfiguration(TestKernels.VectorAddConfiguration.class)
            .withPropertyValues("ringkernel.backend=cpu", "management.endpoints.jmx.exposure.include=ringkernels",
                    "spring.jmx.enabled=true");

    @Test
    void everyContributorsDetailsAppearUnderItsNameForTheKernelsItKnows() {
        runner.withUserConfiguration(Contributors.class).run(context -> {
            assertThat(context).hasNotFailed();
            RingKernelsEndpoint endpoint = context.getBean(RingKernelsEndpoint.class);
            assertThat(endpoint.kernel(TestKernels.VECTOR_ADD).details())
                    .containsExactly(Map.entry("source", Map.of("kernel", TestKernels.VECTOR_ADD)));
            assertThat(endpoint.kernels().kernels().get(TestKernels.VECTOR_ADD).details()).containsOnlyKeys("source");
        });
    }

    @Test
    void aKernelNoContributorKnowsHasEmptyDetails() {
        runner.run(context -> assertThat(context.getBean(RingKernelsEndpoint.class).kernel(TestKernels.VECTOR_ADD)
                .details()).isEmpty());
    }

    @Configuration(proxyBeanMethods = false)
    static class Contributors {

        @Bean
        RingKernelDetailsContributor source() {
            return contributor("source", Map.of("kernel", TestKernels.VECTOR_ADD));
        }

        @Bean
        RingKernelDetailsContributor silent() {
            return contributor("silent", null);
        }

        private static RingKernelDetailsContributor contributor(String name, Object details) {
            return new RingKernelDetailsContributor() {
                @Override
                public String name() {
                    return name;
                }

                @Override
                public Object details(String kernelId) {
                    return details;
                }
            };
        }
    }
}
