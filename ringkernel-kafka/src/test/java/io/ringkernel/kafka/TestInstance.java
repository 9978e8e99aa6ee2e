package io.ringkernel.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.boot.Banner;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.actuate.autoconfigure.endpoint.EndpointAutoConfiguration;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.kafka.autoconfigure.KafkaAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Configuration;

import io.ringkernel.RingKernel;
import io.ringkernel.RingKernelDefinition;
import io.ringkernel.actuate.endpoint.RingKernelsEndpoint;
import io.ringkernel.autoconfigure.RingKernelAutoConfiguration;
import io.ringkernel.autoconfigure.endpoint.RingKernelsEndpointAutoConfiguration;
import io.ringkernel.autoconfigure.metrics.RingKernelMetricsAutoConfiguration;
import io.ringkernel.kafka.autoconfigure.RingKernelKafkaAutoConfiguration;

/**
 * One application instance: a Spring Boot context with ring kernels on the CPU backend, Spring
 * Kafka pointed at the test broker, the Kafka bindings, the {@code ringkernels} endpoint and meters.
 * Several can run side by side in one JVM, as instances of one service in a consumer group.
 */
final class TestInstance implements AutoCloseable {

    @Configuration(proxyBeanMethods = false)
    @ImportAutoConfiguration({ RingKernelAutoConfiguration.class, KafkaAutoConfiguration.class,
            RingKernelKafkaAutoConfiguration.class, EndpointAutoConfiguration.class,
            RingKernelsEndpointAutoConfiguration.class, MetricsAutoConfiguration.class,
            SimpleMetricsExportAutoConfiguration.class, CompositeMeterRegistryAutoConfiguration.class,
            RingKernelMetricsAutoConfiguration.class })
    static class Application {
    }

    private final ConfigurableApplicationContext context;

    private TestInstance(ConfigurableApplicationContext context) {
        this.context = context;
    }

    /**
     * Starts an instance running {@code definition}.
     *
     * @param properties {@code name=value} pairs on top of the common ones
     */
    static TestInstance start(RingKernelDefinition<?, ?> definition, String... properties) {
        List<String> all = new ArrayList<>(List.of(
                "ringkernel.backend=cpu",
                "spring.kafka.bootstrap-servers=" + KafkaTestBroker.bootstrapServers(),
                "management.endpoints.web.exposure.include=ringkernels"));
        all.addAll(List.of(properties));
        ConfigurableApplicationContext context = new SpringApplicationBuilder(Application.class)
                .web(WebApplicationType.NONE)
                .logStartupInfo(false)
                .bannerMode(Banner.Mode.OFF)
                .properties(all.toArray(String[]::new))
                .initializers(c -> c.getBeanFactory().registerSingleton(definition.id() + "Definition", definition))
                .run();
        return new TestInstance(context);
    }

    ConfigurableApplicationContext context() {
        return context;
    }

    KafkaKernelBinding<?, ?> binding(String kernelId) {
        return context.getBean(KafkaKernelBindings.class).binding(kernelId);
    }

    RingKernel<?, ?> kernel(String kernelId) {
        return context.getBean(kernelId, RingKernel.class);
    }

    RingKernelsEndpoint endpoint() {
        return context.getBean(RingKernelsEndpoint.class);
    }

    MeterRegistry meters() {
        return context.getBean(MeterRegistry.class);
    }

    @Override
    public void close() {
        context.close();
    }

    /** Waits for {@code condition} (never asserting how long it took); fails after {@code timeout}. */
    static void await(String what, Duration timeout, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("timed out after " + timeout + " waiting for: " + what);
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting for: " + what);
            }
        }
    }
}
