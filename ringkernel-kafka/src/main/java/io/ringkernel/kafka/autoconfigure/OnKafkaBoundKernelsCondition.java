package io.ringkernel.kafka.autoconfigure;

import java.util.Map;

import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.type.AnnotatedTypeMetadata;

/**
 * Matches when some {@code ringkernel.kernels.<id>.kafka.*} property is set. Any of them counts,
 * not only {@code request-topic}, so that a kernel with Kafka settings but a misspelt request
 * topic fails start-up instead of silently not being bound.
 */
final class OnKafkaBoundKernelsCondition extends SpringBootCondition {

    @Override
    public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
        Map<String, RingKernelKafkaProperties.Kernel> kernels = Binder.get(context.getEnvironment())
                .bind("ringkernel.kernels", Bindable.mapOf(String.class, RingKernelKafkaProperties.Kernel.class))
                .orElse(Map.of());
        for (Map.Entry<String, RingKernelKafkaProperties.Kernel> e : kernels.entrySet()) {
            if (e.getValue() != null && !e.getValue().getKafka().isEmpty()) {
                return ConditionOutcome.match("ringkernel.kernels." + e.getKey() + ".kafka is set");
            }
        }
        return ConditionOutcome.noMatch("no ringkernel.kernels.<id>.kafka property is set");
    }
}
