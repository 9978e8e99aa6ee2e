package io.ringkernel.kafka.autoconfigure;

import java.util.LinkedHashMap;
import java.util.Map;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.NestedConfigurationProperty;

/**
 * The Kafka part of the per-kernel properties: {@code ringkernel.kernels.<id>.kafka.*}. The other
 * per-kernel settings under {@code ringkernel.kernels.<id>} belong to
 * {@link io.ringkernel.autoconfigure.RingKernelProperties}; each class binds its own keys and
 * ignores the other's. Connection settings (bootstrap servers, security, client tuning) are Spring
 * Boot's {@code spring.kafka.*}.
 *
 * <p>Thread-safety: a mutable bean, written once by the binder during start-up and only read after.
 */
@ConfigurationProperties("ringkernel")
public class RingKernelKafkaProperties {

    /**
     * Kernels bound to Kafka, keyed by kernel id; a kernel is bound when its
     * ringkernel.kernels.&lt;id&gt;.kafka.request-topic is set.
     */
    private final Map<String, Kernel> kernels = new LinkedHashMap<>();

    public Map<String, Kernel> getKernels() {
        return kernels;
    }

    /** One kernel's Kafka settings. */
    public static class Kernel {

        @NestedConfigurationProperty
        private final Kafka kafka = new Kafka();

        public Kafka getKafka() {
            return kafka;
        }
    }

    /** How a kernel is bound to Kafka; every setting but the request topic is optional. */
    public static class Kafka {

        /** Topic the kernel's requests are consumed from. Setting it binds the kernel to Kafka. */
        private String requestTopic;

        /**
         * Topic replies go to when a request has no kafka_replyTopic header. Unset: every request
         * must carry one (as Spring Kafka's ReplyingKafkaTemplate does), else it is dead-lettered.
         */
        private String replyTopic;

        /**
         * Topic for records that cannot be decoded or whose handler failed, with the cause in
         * kafka_dlt-* headers. Unset: the request topic followed by "-dlt".
         */
        private String deadLetterTopic;

        /**
         * Consumer group of every application instance serving the kernel. Unset: "ringkernel-"
         * followed by the kernel id.
         */
        private String groupId;

        /** Consumer threads in each application instance, each with a share of the partitions. Unset: 1. */
        private Integer concurrency;

        /**
         * Most records taken per poll and handed to the kernel as one batch (max.poll.records); at
         * most the kernel's capacity. Unset: 500.
         */
        private Integer batchSize;

        public String getRequestTopic() {
            return requestTopic;
        }

        public void setRequestTopic(String requestTopic) {
            this.requestTopic = requestTopic;
        }

        public String getReplyTopic() {
            return replyTopic;
        }

        public void setReplyTopic(String replyTopic) {
            this.replyTopic = replyTopic;
        }

        public String getDeadLetterTopic() {
            return deadLetterTopic;
        }

        public void setDeadLetterTopic(String deadLetterTopic) {
            this.deadLetterTopic = deadLetterTopic;
        }

        public String getGroupId() {
            return groupId;
        }

        public void setGroupId(String groupId) {
            this.groupId = groupId;
        }

        public Integer getConcurrency() {
            return concurrency;
        }

        public void setConcurrency(Integer concurrency) {
            this.concurrency = concurrency;
        }

        public Integer getBatchSize() {
            return batchSize;
        }

        public void setBatchSize(Integer batchSize) {
            this.batchSize = batchSize;
        }

        /** Whether nothing is set. */
        boolean isEmpty() {
            return requestTopic == null && replyTopic == null && deadLetterTopic == null && groupId == null
                    && concurrency == null && batchSize == null;
        }
    }
}
