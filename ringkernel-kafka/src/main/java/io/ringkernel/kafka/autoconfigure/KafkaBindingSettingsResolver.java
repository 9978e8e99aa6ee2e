package io.ringkernel.kafka.autoconfigure;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;

import io.ringkernel.kafka.KafkaBindingSettings;

/**
 * Checks {@code ringkernel.kernels.<id>.kafka.*} and resolves it, defaults applied, into
 * {@link KafkaBindingSettings}. Every problem is reported as an
 * {@link InvalidConfigurationPropertyValueException} naming the property, which Spring Boot's
 * failure analysis prints with the value and where it came from.
 *
 * <p>Thread-safety: stateless.
 */
final class KafkaBindingSettingsResolver {

    /** Kafka's rule for topic names. */
    private static final Pattern TOPIC = Pattern.compile("[a-zA-Z0-9._-]{1,249}");

    private KafkaBindingSettingsResolver() {
    }

    /** The settings of every kernel with Kafka properties, keyed by kernel id, in configuration order. */
    static Map<String, KafkaBindingSettings> resolve(RingKernelKafkaProperties properties) {
        Map<String, KafkaBindingSettings> resolved = new LinkedHashMap<>();
        properties.getKernels().forEach((id, kernel) -> {
            RingKernelKafkaProperties.Kafka kafka = kernel.getKafka();
            if (!kafka.isEmpty()) {
                resolved.put(id, resolve(id, kafka));
            }
        });
        return resolved;
    }

    private static KafkaBindingSettings resolve(String id, RingKernelKafkaProperties.Kafka kafka) {
        String requestTopic = kafka.getRequestTopic();
        if (requestTopic == null) {
            throw invalid(id, "request-topic", null, "must be set when other ringkernel.kernels." + id
                    + ".kafka properties are: it is what binds the kernel to Kafka");
        }
        topic(id, "request-topic", requestTopic);
        String replyTopic = kafka.getReplyTopic();
        if (replyTopic != null) {
            topic(id, "reply-topic", replyTopic);
            notTheRequestTopic(id, "reply-topic", replyTopic, requestTopic);
        }
        String deadLetterTopic = kafka.getDeadLetterTopic() != null ? kafka.getDeadLetterTopic()
                : requestTopic + KafkaBindingSettings.DEAD_LETTER_SUFFIX;
        topic(id, "dead-letter-topic", deadLetterTopic);
        notTheRequestTopic(id, "dead-letter-topic", deadLetterTopic, requestTopic);
        String groupId = kafka.getGroupId() != null ? kafka.getGroupId() : KafkaBindingSettings.GROUP_PREFIX + id;
        if (groupId.isBlank()) {
            throw invalid(id, "group-id", groupId, "must not be blank");
        }
        int concurrency = kafka.getConcurrency() != null ? kafka.getConcurrency() : 1;
        if (concurrency < 1) {
            throw invalid(id, "concurrency", concurrency, "must be at least 1");
        }
        int batchSize = kafka.getBatchSize() != null ? kafka.getBatchSize() : KafkaBindingSettings.DEFAULT_BATCH_SIZE;
        if (batchSize < 1) {
            throw invalid(id, "batch-size", batchSize, "must be at least 1");
        }
        return new KafkaBindingSettings(id, requestTopic, replyTopic, deadLetterTopic, groupId, concurrency, batchSize);
    }

    /** Fails when a bound id names no kernel (a typo would otherwise leave the topic unread). */
    static InvalidConfigurationPropertyValueException unknownKernel(String id, String requestTopic,
            Collection<String> kernels) {
        return invalid(id, "request-topic", requestTopic, "no ring kernel has the id '" + id + "'; kernels: "
                + (kernels.isEmpty() ? "none" : String.join(", ", kernels)));
    }

    /** Fails when a batch could not fit the kernel's request ring at once. */
    static void checkBatchSize(KafkaBindingSettings settings, int capacity) {
        if (settings.batchSize() > capacity) {
            throw invalid(settings.kernelId(), "batch-size", settings.batchSize(), "must not exceed the capacity of"
                    + " kernel '" + settings.kernelId() + "' (" + capacity + "), so that a whole batch fits its request"
                    + " ring; lower it or raise ringkernel.kernels." + settings.kernelId() + ".capacity");
        }
    }

    /** Fails when the kernel cannot be bound (for example a message type Kafka cannot carry). */
    static InvalidConfigurationPropertyValueException notBindable(KafkaBindingSettings settings, String reason) {
        return invalid(settings.kernelId(), "request-topic", settings.requestTopic(), reason);
    }

    private static void topic(String id, String name, String topic) {
        if (!TOPIC.matcher(topic).matches() || topic.equals(".") || topic.equals("..")) {
            throw invalid(id, name, topic, "is not a valid Kafka topic name (1 to 249 of a-z, A-Z, 0-9, '.', '_', '-')");
        }
    }

    private static void notTheRequestTopic(String id, String name, String topic, String requestTopic) {
        if (topic.equals(requestTopic)) {
            throw invalid(id, name, topic, "must differ from the request topic, or the kernel would consume its own"
                    + " output");
        }
    }

    private static InvalidConfigurationPropertyValueException invalid(String id, String name, Object value,
            String reason) {
        // Ids may contain dots, which Spring Boot's property names only keep inside brackets.
        String kernel = id.indexOf('.') >= 0 ? "kernels[" + id + "]" : "kernels." + id;
        return new InvalidConfigurationPropertyValueException("ringkernel." + kernel + ".kafka." + name, value, reason);
    }
}
