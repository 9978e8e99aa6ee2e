package io.ringkernel.kafka.autoconfigure;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.micrometer.core.instrument.MeterRegistry;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.kafka.autoconfigure.KafkaAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.core.ConsumerFactory;
import org.springframework.kafka.core.DefaultKafkaConsumerFactory;
import org.springframework.kafka.core.DefaultKafkaProducerFactory;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.core.ProducerFactory;

import io.ringkernel.RingKernel;
import io.ringkernel.RingKernelDefinition;
import io.ringkernel.autoconfigure.RingKernelAutoConfiguration;
import io.ringkernel.kafka.KafkaBindingSettings;
import io.ringkernel.kafka.KafkaKernelBinding;
import io.ringkernel.kafka.KafkaKernelBindings;
import io.ringkernel.kafka.actuate.KafkaBindingDetailsContributor;
import io.ringkernel.kafka.metrics.RingKernelKafkaMetrics;
import io.ringkernel.spring.ManagedKernel;
import io.ringkernel.spring.RingKernelLifecycle;
import io.ringkernel.spring.RingKernelRuntime;

/**
 * {@link EnableAutoConfiguration Auto-configuration} that binds ring kernels to Kafka topics: each
 * kernel with {@code ringkernel.kernels.<id>.kafka.*} properties gets a {@link KafkaKernelBinding}
 * consuming its request topic in its consumer group. Present when Spring Kafka is on the class
 * path, ring kernels run, and some kernel has Kafka properties.
 *
 * <p>Clients come from Spring Boot's Kafka auto-configuration: the bindings copy the configuration
 * of its {@link ConsumerFactory} and {@link ProducerFactory} ({@code spring.kafka.*}, connection
 * details) and replace what they must: byte-array (de)serialisers, no transactions, the group and
 * poll size per binding, and {@code auto.offset.reset=earliest} unless configured. The consumer
 * lag is added to the {@code ringkernels} endpoint and to meters when Actuator or Micrometer are
 * present. A user-defined {@link KafkaKernelBindings} bean replaces the one defined here.
 */
@AutoConfiguration(after = { RingKernelAutoConfiguration.class, KafkaAutoConfiguration.class },
        afterName = { "org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration",
                "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration" })
@ConditionalOnClass({ KafkaTemplate.class, KafkaKernelBindings.class })
@ConditionalOnBean(RingKernelRuntime.class)
@Conditional(OnKafkaBoundKernelsCondition.class)
@EnableConfigurationProperties(RingKernelKafkaProperties.class)
public final class RingKernelKafkaAutoConfiguration {

    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    KafkaKernelBindings kafkaKernelBindings(RingKernelKafkaProperties properties, RingKernelRuntime runtime,
            RingKernelLifecycle lifecycle, ConsumerFactory<?, ?> consumerFactory, ProducerFactory<?, ?> producerFactory,
            ListableBeanFactory beanFactory) {
        Map<String, KafkaBindingSettings> settings = KafkaBindingSettingsResolver.resolve(properties);
        int phase = phaseAbove(lifecycle);
        DefaultKafkaConsumerFactory<byte[], byte[]> consumers = byteArrayConsumers(consumerFactory);
        DefaultKafkaProducerFactory<byte[], byte[]> producers = byteArrayProducers(producerFactory);
        try {
            KafkaTemplate<byte[], byte[]> template = new KafkaTemplate<>(producers);
            List<KafkaKernelBinding<?, ?>> bindings = new ArrayList<>();
            for (KafkaBindingSettings s : settings.values()) {
                bindings.add(bind(s, runtime, beanFactory, consumers, template));
            }
            return new KafkaKernelBindings(bindings, producers, phase);
        } catch (RuntimeException e) {
            producers.destroy();
            throw e;
        }
    }

    private static KafkaKernelBinding<?, ?> bind(KafkaBindingSettings s, RingKernelRuntime runtime,
            ListableBeanFactory beanFactory, DefaultKafkaConsumerFactory<byte[], byte[]> consumers,
            KafkaTemplate<byte[], byte[]> template) {
        String id = s.kernelId();
        if (!beanFactory.containsBean(id) || !beanFactory.isTypeMatch(id, RingKernel.class)) {
            throw KafkaBindingSettingsResolver.unknownKernel(id, s.requestTopic(),
                    List.of(beanFactory.getBeanNamesForType(RingKernel.class, true, false)));
        }
        RingKernel<?, ?> kernel = beanFactory.getBean(id, RingKernel.class);
        ManagedKernel managed = runtime.kernel(id);
        if (managed == null || managed.kernel() != kernel) {
            throw KafkaBindingSettingsResolver.notBindable(s, "kernel '" + id + "' is a RingKernel bean made by the"
                    + " application; only kernels created by ringkernel from a RingKernelDefinition can be bound");
        }
        KafkaBindingSettingsResolver.checkBatchSize(s, managed.definition().capacity());
        try {
            return newBinding(s, managed, consumers, template);
        } catch (IllegalArgumentException e) {
            throw KafkaBindingSettingsResolver.notBindable(s, e.getMessage());
        }
    }

    @SuppressWarnings("unchecked")
    private static <I, O> KafkaKernelBinding<I, O> newBinding(KafkaBindingSettings s, ManagedKernel managed,
            DefaultKafkaConsumerFactory<byte[], byte[]> consumers, KafkaTemplate<byte[], byte[]> template) {
        // The kernel and its definition come from the same RingKernelDefinition<I, O>.
        return new KafkaKernelBinding<>(s, (RingKernel<I, O>) managed.kernel(),
                (RingKernelDefinition<I, O>) managed.definition(), consumers, template);
    }

    private static int phaseAbove(RingKernelLifecycle lifecycle) {
        try {
            return Math.addExact(lifecycle.getPhase(), 1);
        } catch (ArithmeticException e) {
            throw new InvalidConfigurationPropertyValueException("ringkernel.lifecycle.phase", lifecycle.getPhase(),
                    "must be below Integer.MAX_VALUE when kernels are bound to Kafka: the bindings stop in the phase"
                            + " above the kernels'");
        }
    }

    private static DefaultKafkaConsumerFactory<byte[], byte[]> byteArrayConsumers(ConsumerFactory<?, ?> boot) {
        Map<String, Object> config = new HashMap<>(boot.getConfigurationProperties());
        config.remove(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG);
        config.remove(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG);
        // Each binding's container sets its own group.
        config.remove(ConsumerConfig.GROUP_ID_CONFIG);
        // A new group must answer the requests already waiting, not only those sent after it joined.
        config.putIfAbsent(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        return new DefaultKafkaConsumerFactory<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    private static DefaultKafkaProducerFactory<byte[], byte[]> byteArrayProducers(ProducerFactory<?, ?> boot) {
        Map<String, Object> config = new HashMap<>(boot.getConfigurationProperties());
        config.remove(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG);
        config.remove(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG);
        // Replies are at-least-once, not transactional (docs/scale-out.md).
        config.remove(ProducerConfig.TRANSACTIONAL_ID_CONFIG);
        return new DefaultKafkaProducerFactory<>(config, new ByteArraySerializer(), new ByteArraySerializer());
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(MeterRegistry.class)
    @ConditionalOnBean(MeterRegistry.class)
    static class KafkaBindingMetricsConfiguration {

        @Bean
        @ConditionalOnMissingBean
        RingKernelKafkaMetrics ringKernelKafkaMetrics(KafkaKernelBindings bindings) {
            return new RingKernelKafkaMetrics(bindings);
        }
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "org.springframework.boot.actuate.endpoint.annotation.Endpoint")
    static class KafkaBindingEndpointConfiguration {

        @Bean
        @ConditionalOnMissingBean
        KafkaBindingDetailsContributor kafkaBindingDetailsContributor(KafkaKernelBindings bindings) {
            return new KafkaBindingDetailsContributor(bindings);
        }
    }
}
