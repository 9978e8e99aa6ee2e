package io.ringkernel.kafka;

import java.util.Objects;

/**
 * How one kernel is bound to Kafka; the resolved form of {@code ringkernel.kernels.<id>.kafka.*}.
 * Immutable.
 *
 * @param kernelId the kernel's id
 * @param requestTopic topic the requests are consumed from
 * @param replyTopic topic for replies to requests without a {@code kafka_replyTopic} header, or
 *     {@code null} when every request must carry one
 * @param deadLetterTopic topic for records that cannot be decoded or whose handler failed
 * @param groupId consumer group shared by every application instance serving the kernel
 * @param concurrency consumer threads in this instance, each with its own share of the partitions
 * @param batchSize most records per poll, handed to the kernel as one batch
 */
public record KafkaBindingSettings(String kernelId, String requestTopic, String replyTopic, String deadLetterTopic,
        String groupId, int concurrency, int batchSize) {

    /** Suffix of the default dead-letter topic, as Spring Kafka names dead-letter topics. */
    public static final String DEAD_LETTER_SUFFIX = "-dlt";

    /** Prefix of the default consumer group id; the kernel id follows. */
    public static final String GROUP_PREFIX = "ringkernel-";

    /** Default {@link #batchSize()}: Kafka's own default for {@code max.poll.records}. */
    public static final int DEFAULT_BATCH_SIZE = 500;

    public KafkaBindingSettings {
        Objects.requireNonNull(kernelId, "kernelId");
        Objects.requireNonNull(requestTopic, "requestTopic");
        Objects.requireNonNull(deadLetterTopic, "deadLetterTopic");
        Objects.requireNonNull(groupId, "groupId");
        if (concurrency < 1) {
            throw new IllegalArgumentException("concurrency must be at least 1: " + concurrency);
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be at least 1: " + batchSize);
        }
    }
}
