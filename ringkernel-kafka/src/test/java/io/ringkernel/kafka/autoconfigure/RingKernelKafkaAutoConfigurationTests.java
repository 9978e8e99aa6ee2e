package io.ringkernel.kafka.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.boot.actuate.autoconfigure.endpoint.EndpointAutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.kafka.autoconfigure.KafkaAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.ringkernel.RingKernel;
import io.ringkernel.RingKernelDefinition;
import io.ringkernel.autoconfigure.RingKernelAutoConfiguration;
import io.ringkernel.autoconfigure.endpoint.RingKernelsEndpointAutoConfiguration;
import io.ringkernel.examples.VectorAddBufferRequest;
import io.ringkernel.examples.VectorAddBufferResponse;
import io.ringkernel.examples.VectorAddKernels;
import io.ringkernel.examples.VectorAddRequest;
import io.ringkernel.examples.VectorAddResponse;
import io.ringkernel.kafka.KafkaBindingSettings;
import io.ringkernel.kafka.KafkaKernelBindings;
import io.ringkernel.kafka.KafkaTestBroker;
import io.ringkernel.kafka.actuate.KafkaBindingDetailsContributor;
import io.ringkernel.kafka.metrics.RingKernelKafkaMetrics;

/** When kernels are bound to Kafka, and how bad {@code ringkernel.kernels.<id>.kafka.*} values are reported. */
class RingKernelKafkaAutoConfigurationTests {

    private static final String TOPIC = "acr-requests";

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(RingKernelAutoConfiguration.class, KafkaAutoConfiguration.class,
                    RingKernelKafkaAutoConfiguration.class))
            .withUserConfiguration(VectorAddConfiguration.class)
            .withPropertyValues("ringkernel.backend=cpu",
                    "spring.kafka.bootstrap-servers=" + KafkaTestBroker.bootstrapServers());

    @Test
    void bindsAKernelWhoseRequestTopicIsSetWithTheDefaults() {
        runner.withPropertyValues("ringkernel.kernels.vector-add.kafka.request-topic=" + TOPIC).run(context -> {
            assertThat(context).hasNotFailed();
            KafkaKernelBindings bindings = context.getBean(KafkaKernelBindings.class);
            assertThat(bindings.bindings()).hasSize(1);
            assertThat(bindings.binding("vector-add").settings()).isEqualTo(new KafkaBindingSettings("vector-add", TOPIC,
                    null, TOPIC + "-dlt", "ringkernel-vector-add", 1, 500));
            assertThat(bindings.isRunning()).isTrue();
            assertThat(bindings.binding("vector-add").isRunning()).isTrue();
        });
    }

    @Test
    void bindsEverySettingAsConfiguredNextToTheKernelsOwnSettings() {
        runner.withPropertyValues("ringkernel.kernels.vector-add.capacity=64",
                "ringkernel.kernels.vector-add.kafka.request-topic=" + TOPIC,
                "ringkernel.kernels.vector-add.kafka.reply-topic=acr-replies",
                "ringkernel.kernels.vector-add.kafka.dead-letter-topic=acr-dead",
                "ringkernel.kernels.vector-add.kafka.group-id=acr-group",
                "ringkernel.kernels.vector-add.kafka.concurrency=2",
                "ringkernel.kernels.vector-add.kafka.batch-size=64").run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context.getBean(KafkaKernelBindings.class).binding("vector-add").settings())
                            .isEqualTo(new KafkaBindingSettings("vector-add", TOPIC, "acr-replies", "acr-dead",
                                    "acr-group", 2, 64));
                    assertThat(context.getBean("vector-add", RingKernel.class).telemetry().requestCapacity())
                            .isEqualTo(64);
                });
    }

    @Test
    void bindsNothingWithoutKafkaProperties() {
        runner.run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(context).hasBean("vector-add");
            assertThat(context).doesNotHaveBean(KafkaKernelBindings.class);
        });
    }

    @Test
    void backsOffWithoutSpringKafka() {
        runner.withPropertyValues("ringkernel.kernels.vector-add.kafka.request-topic=" + TOPIC)
                .withClassLoader(new FilteredClassLoader("org.springframework.kafka"))
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context).doesNotHaveBean(KafkaKernelBindings.class);
                });
    }

    @Test
    void backsOffWhenRingKernelsAreDisabled() {
        runner.withPropertyValues("ringkernel.enabled=false", "ringkernel.kernels.vector-add.kafka.request-topic=" + TOPIC)
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context).doesNotHaveBean(KafkaKernelBindings.class);
                });
    }

    @Test
    void contributesMetersAndEndpointDetailsWhenMicrometerAndActuatorArePresent() {
        runner.withConfiguration(AutoConfigurations.of(EndpointAutoConfiguration.class,
                RingKernelsEndpointAutoConfiguration.class, MetricsAutoConfiguration.class,
                SimpleMetricsExportAutoConfiguration.class, CompositeMeterRegistryAutoConfiguration.class))
                .withPropertyValues("ringkernel.kernels.vector-add.kafka.request-topic=" + TOPIC)
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context).hasSingleBean(RingKernelKafkaMetrics.class);
                    assertThat(context).hasSingleBean(KafkaBindingDetailsContributor.class);
                });
    }

    @Test
    void leavesMetersOutWithoutMicrometer() {
        runner.withPropertyValues("ringkernel.kernels.vector-add.kafka.request-topic=" + TOPIC)
                .withClassLoader(new FilteredClassLoader("io.micrometer.core", "org.springframework.boot.actuate"))
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context).hasSingleBean(KafkaKernelBindings.class);
                    assertThat(context).doesNotHaveBean(RingKernelKafkaMetrics.class);
                    assertThat(context).doesNotHaveBean(KafkaBindingDetailsContributor.class);
                });
    }

    @Test
    void rejectsKafkaPropertiesOfAKernelThatDoesNotExist() {
        runner.withPropertyValues("ringkernel.kernels.vector-ad.kafka.request-topic=" + TOPIC)
                .run(context -> assertInvalid(context, "ringkernel.kernels.vector-ad.kafka.request-topic",
                        "no ring kernel has the id 'vector-ad'; kernels: vector-add"));
    }

    @Test
    void requiresTheRequestTopicOnceAnyKafkaPropertyIsSet() {
        runner.withPropertyValues("ringkernel.kernels.vector-add.kafka.request-topc=" + TOPIC,
                "ringkernel.kernels.vector-add.kafka.reply-topic=acr-replies")
                .run(context -> assertInvalid(context, "ringkernel.kernels.vector-add.kafka.request-topic",
                        "it is what binds the kernel to Kafka"));
    }

    @Test
    void rejectsABatchThatCannotFitTheKernelsRing() {
        runner.withPropertyValues("ringkernel.kernels.vector-add.capacity=256",
                "ringkernel.kernels.vector-add.kafka.request-topic=" + TOPIC)
                .run(context -> assertInvalid(context, "ringkernel.kernels.vector-add.kafka.batch-size",
                        "must not exceed the capacity of kernel 'vector-add' (256)"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "request-topic     | no spaces allowed | is not a valid Kafka topic name",
        "reply-topic       | " + TOPIC + "      | must differ from the request topic",
        "dead-letter-topic | " + TOPIC + "      | must differ from the request topic",
        "group-id          | '   '             | must not be blank",
        "concurrency       | 0                 | must be at least 1",
        "batch-size        | -5                | must be at least 1" })
    void rejectsInvalidValuesNamingTheProperty(String property, String value, String reason) {
        runner.withPropertyValues("ringkernel.kernels.vector-add.kafka.request-topic=" + TOPIC,
                "ringkernel.kernels.vector-add.kafka." + property + "=" + value)
                .run(context -> assertInvalid(context, "ringkernel.kernels.vector-add.kafka." + property, reason));
    }

    @Test
    void namesDottedKernelIdsInBrackets() {
        runner.withPropertyValues("ringkernel.kernels[orders.v1].kafka.request-topic=" + TOPIC)
                .run(context -> assertInvalid(context, "ringkernel.kernels[orders.v1].kafka.request-topic",
                        "no ring kernel has the id 'orders.v1'"));
    }

    @Test
    void refusesKernelsWhoseMessagesCarryBufferHandles() {
        runner.withUserConfiguration(BufferedConfiguration.class)
                .withPropertyValues("ringkernel.kernels.buffered.kafka.request-topic=" + TOPIC)
                .run(context -> assertInvalid(context, "ringkernel.kernels.buffered.kafka.request-topic",
                        "VectorAddBufferRequest.a is a BufferHandle"));
    }

    private static void assertInvalid(AssertableApplicationContext context, String property, String reason) {
        assertThat(context).hasFailed();
        assertThat(context.getStartupFailure()).rootCause()
                .isInstanceOfSatisfying(InvalidConfigurationPropertyValueException.class, e -> {
                    assertThat(e.getName()).isEqualTo(property);
                    assertThat(e.getReason()).contains(reason);
                });
    }

    @Configuration(proxyBeanMethods = false)
    static class VectorAddConfiguration {

        @Bean
        static RingKernelDefinition<VectorAddRequest, VectorAddResponse> vectorAddDefinition() {
            return VectorAddKernels.inline("vector-add").build();
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class BufferedConfiguration {

        @Bean
        static RingKernelDefinition<VectorAddBufferRequest, VectorAddBufferResponse> bufferedDefinition() {
            return VectorAddKernels.buffered("buffered").build();
        }
    }
}
