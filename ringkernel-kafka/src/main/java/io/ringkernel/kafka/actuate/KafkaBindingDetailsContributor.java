package io.ringkernel.kafka.actuate;

import java.util.Objects;

import io.ringkernel.actuate.endpoint.RingKernelDetailsContributor;
import io.ringkernel.kafka.KafkaKernelBinding;
import io.ringkernel.kafka.KafkaKernelBindings;

/**
 * Shows each bound kernel's Kafka telemetry (consumer lag, assigned partitions, counters) under
 * {@code details.kafka} in the {@code ringkernels} endpoint, next to the kernel's queue depth.
 *
 * <p>Thread-safety: thread-safe; reads telemetry that never waits on the broker.
 */
public final class KafkaBindingDetailsContributor implements RingKernelDetailsContributor {

    private final KafkaKernelBindings bindings;

    /** @param bindings the bindings to report on */
    public KafkaBindingDetailsContributor(KafkaKernelBindings bindings) {
        this.bindings = Objects.requireNonNull(bindings, "bindings");
    }

    @Override
    public String name() {
        return "kafka";
    }

    @Override
    public Object details(String kernelId) {
        KafkaKernelBinding<?, ?> binding = bindings.binding(kernelId);
        return binding == null ? null : binding.telemetry();
    }
}
