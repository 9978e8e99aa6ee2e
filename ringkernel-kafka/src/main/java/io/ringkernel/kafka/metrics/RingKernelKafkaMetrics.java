package io.ringkernel.kafka.metrics;

import java.util.Objects;
import java.util.function.ToDoubleFunction;
import java.util.function.ToLongFunction;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;

import io.ringkernel.kafka.KafkaBindingTelemetry;
import io.ringkernel.kafka.KafkaKernelBinding;
import io.ringkernel.kafka.KafkaKernelBindings;

/**
 * Micrometer meters for every kernel bound to Kafka, tagged {@code kernel} (the same tag as the
 * kernel's {@code ringkernel.*} meters, so lag and queue depth line up) and {@code topic} (its
 * request topic); one series per binding:
 * <ul>
 * <li>gauge {@code ringkernel.kafka.lag}: records in the assigned partitions not fetched yet;
 * <li>gauge {@code ringkernel.kafka.partitions.assigned};
 * <li>function counters {@code ringkernel.kafka.records.consumed|replied|dead-lettered|redelivered}
 *     and {@code ringkernel.kafka.batches.abandoned}.
 * </ul>
 * Every meter reads the binding's telemetry, which never waits on the broker. Meters hold the
 * binding itself, a long-lived object owned by the {@link KafkaKernelBindings} singleton.
 *
 * <p>Thread-safety: thread-safe.
 */
public class RingKernelKafkaMetrics implements MeterBinder {

    private final KafkaKernelBindings bindings;

    /** @param bindings the bindings to measure */
    public RingKernelKafkaMetrics(KafkaKernelBindings bindings) {
        this.bindings = Objects.requireNonNull(bindings, "bindings");
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        for (KafkaKernelBinding<?, ?> binding : bindings.bindings()) {
            bind(registry, binding);
        }
    }

    private static void bind(MeterRegistry registry, KafkaKernelBinding<?, ?> binding) {
        Tags tags = Tags.of("kernel", binding.settings().kernelId(), "topic", binding.settings().requestTopic());
        gauge(registry, "ringkernel.kafka.lag", "Records in the assigned request partitions not fetched yet", tags,
                binding, KafkaBindingTelemetry::lag);
        gauge(registry, "ringkernel.kafka.partitions.assigned", "Request partitions assigned to this instance", tags,
                binding, KafkaBindingTelemetry::assignedPartitions);
        counter(registry, "ringkernel.kafka.records.consumed", "Request records received, redeliveries included", tags,
                binding, KafkaBindingTelemetry::consumed);
        counter(registry, "ringkernel.kafka.records.replied", "Replies produced and acknowledged", tags, binding,
                KafkaBindingTelemetry::replied);
        counter(registry, "ringkernel.kafka.records.dead-lettered",
                "Records sent to the dead-letter topic (undecodable, or the handler failed)", tags, binding,
                KafkaBindingTelemetry::deadLettered);
        counter(registry, "ringkernel.kafka.records.redelivered",
                "Records handed to the kernel again by this instance after their batch was abandoned", tags, binding,
                KafkaBindingTelemetry::redelivered);
        counter(registry, "ringkernel.kafka.batches.abandoned", "Batches given up without committing their offsets",
                tags, binding, KafkaBindingTelemetry::abandonedBatches);
    }

    private static void gauge(MeterRegistry registry, String name, String description, Tags tags,
            KafkaKernelBinding<?, ?> binding, ToDoubleFunction<KafkaBindingTelemetry> value) {
        Gauge.builder(name, binding, b -> value.applyAsDouble(b.telemetry()))
                .description(description)
                .baseUnit(name.endsWith("lag") ? "records" : "partitions")
                .tags(tags)
                .strongReference(true)
                .register(registry);
    }

    private static void counter(MeterRegistry registry, String name, String description, Tags tags,
            KafkaKernelBinding<?, ?> binding, ToLongFunction<KafkaBindingTelemetry> count) {
        FunctionCounter.builder(name, binding, b -> count.applyAsLong(b.telemetry()))
                .description(description)
                .baseUnit(name.contains("batches") ? "batches" : "records")
                .tags(tags)
                .register(registry);
    }
}
