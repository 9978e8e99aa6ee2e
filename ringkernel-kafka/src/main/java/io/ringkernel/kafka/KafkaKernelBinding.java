package io.ringkernel.kafka;

import java.time.Duration;
import java.util.Objects;
import java.util.Properties;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.TopicPartition;
import org.springframework.kafka.core.ConsumerFactory;
import org.springframework.kafka.core.KafkaOperations;
import org.springframework.kafka.listener.ConcurrentMessageListenerContainer;
import org.springframework.kafka.listener.ContainerProperties;
import org.springframework.kafka.listener.DeadLetterPublishingRecoverer;

import io.ringkernel.RingKernel;
import io.ringkernel.RingKernelDefinition;
import io.ringkernel.layout.ElementType;
import io.ringkernel.layout.LayoutField;
import io.ringkernel.layout.MessageLayout;

/**
 * One kernel bound to Kafka: a Spring Kafka batch listener container consuming the request topic
 * in the kernel's consumer group, feeding each poll to the kernel as one batch, producing the
 * replies, and committing the offsets only once every reply of the batch is acknowledged.
 *
 * <p>Why a Spring Kafka container rather than a hand-written consumer loop: the container already
 * does what a correct loop needs (one consumer per thread, rebalance callbacks, pausing, orderly
 * stop, commits on the consumer thread) and takes its client configuration from Spring Boot's
 * {@code spring.kafka.*}. Its listener, {@link KernelBatchListener}, runs synchronously on the
 * consumer thread, so a rebalance, which happens only inside {@code poll()}, never finds a batch
 * half answered: the previous batch is committed, or it was abandoned and not committed. The
 * container commits after the listener returns ({@link ContainerProperties.AckMode#BATCH}); an
 * abandoned batch is rewound and retried by {@link RedeliveringBatchErrorHandler}, never skipped.
 * What this means for users is in {@code docs/scale-out.md}.
 *
 * <p>Record key and value follow {@link RingKernelRecords}; replies go to the request's
 * {@code kafka_replyTopic} header (and {@code kafka_replyPartition}, if present) or else to the
 * configured reply topic, with the request's key and {@code kafka_correlationId} header, as
 * Spring Kafka's {@code ReplyingKafkaTemplate} expects. Dead letters carry Spring Kafka's
 * {@code kafka_dlt-*} headers (exception class, cause class, message, stack trace, original topic,
 * partition and offset).
 *
 * <p>Thread-safety: {@link #start}, {@link #stop} and {@link #isRunning} may be called from any
 * thread (the container serialises them); {@link #telemetry()} never blocks.
 *
 * @param <I> request record
 * @param <O> response record
 */
public final class KafkaKernelBinding<I, O> {

    /** Wait before an abandoned batch is delivered again by this instance. */
    static final Duration REDELIVERY_BACK_OFF = Duration.ofMillis(500);

    private final KafkaBindingSettings settings;
    private final ConcurrentMessageListenerContainer<byte[], byte[]> container;
    private final PartitionLag lag = new PartitionLag();
    private final BindingCounters counters = new BindingCounters();
    private volatile boolean stopping;

    /**
     * @param settings topics, group, concurrency and batch size
     * @param kernel the kernel that answers; its lifecycle is managed elsewhere
     * @param definition the kernel's definition (for the message layouts)
     * @param consumerFactory consumers of byte-array keys and values
     * @param producer producer of byte-array keys and values, for replies and dead letters
     * @throws IllegalArgumentException if a message type holds a {@link io.ringkernel.layout.BufferHandle},
     *     a local memory address that means nothing to another process
     */
    public KafkaKernelBinding(KafkaBindingSettings settings, RingKernel<I, O> kernel,
            RingKernelDefinition<I, O> definition, ConsumerFactory<byte[], byte[]> consumerFactory,
            KafkaOperations<byte[], byte[]> producer) {
        this.settings = Objects.requireNonNull(settings, "settings");
        Objects.requireNonNull(kernel, "kernel");
        requireNoBufferHandles(settings, definition.requestLayout());
        requireNoBufferHandles(settings, definition.responseLayout());
        DeadLetterPublishingRecoverer deadLetters = new DeadLetterPublishingRecoverer(producer,
                // Partition -1: the producer picks the partition from the key, whatever the DLT's partition count.
                (record, cause) -> new TopicPartition(settings.deadLetterTopic(), -1));
        ContainerProperties properties = new ContainerProperties(settings.requestTopic());
        properties.setGroupId(settings.groupId());
        properties.setClientId(KafkaBindingSettings.GROUP_PREFIX + settings.kernelId());
        properties.setAckMode(ContainerProperties.AckMode.BATCH);
        properties.setConsumerRebalanceListener(lag);
        properties.setKafkaConsumerProperties(consumerOverrides(settings));
        properties.setMessageListener(new KernelBatchListener<>(settings, kernel, definition.requestLayout(),
                definition.responseLayout(), producer, deadLetters, lag, counters, () -> stopping));
        container = new ConcurrentMessageListenerContainer<>(consumerFactory, properties);
        container.setConcurrency(settings.concurrency());
        container.setCommonErrorHandler(new RedeliveringBatchErrorHandler(REDELIVERY_BACK_OFF));
        container.setBeanName("ringkernel-kafka-" + settings.kernelId());
        container.setAutoStartup(false);
    }

    private static Properties consumerOverrides(KafkaBindingSettings settings) {
        Properties p = new Properties();
        p.setProperty(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, Integer.toString(settings.batchSize()));
        p.setProperty(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        return p;
    }

    private static void requireNoBufferHandles(KafkaBindingSettings settings, MessageLayout<?> layout) {
        for (LayoutField f : layout.fields()) {
            if (f.type() == ElementType.BUFFER) {
                throw new IllegalArgumentException("kernel '" + settings.kernelId() + "' cannot be bound to Kafka: "
                        + layout.type().getSimpleName() + "." + f.name() + " is a BufferHandle, an address in this"
                        + " process's memory that means nothing to another; send the data inline instead");
            }
            if (f.nested() != null) {
                requireNoBufferHandles(settings, f.nested());
            }
        }
    }

    /** Topics, group, concurrency and batch size. */
    public KafkaBindingSettings settings() {
        return settings;
    }

    /** Joins the consumer group and starts consuming. Call after the kernel is active. */
    public void start() {
        stopping = false;
        container.start();
    }

    /**
     * Stops consuming, asynchronously. A batch in flight is still answered and committed if the
     * kernel keeps running (kernels stop after their bindings); if the kernel cannot answer it,
     * the batch is abandoned uncommitted and the partitions' next owner answers it. Then the
     * consumers leave the group.
     *
     * @param callback run once every consumer thread has stopped
     */
    public void stop(Runnable callback) {
        stopping = true;
        container.stop(() -> {
            lag.clear();
            callback.run();
        });
    }

    /** Whether the consumers run. */
    public boolean isRunning() {
        return container.isRunning();
    }

    /** Counters and lag; never waits on the broker. */
    public KafkaBindingTelemetry telemetry() {
        return new KafkaBindingTelemetry(settings.requestTopic(), settings.groupId(), container.isRunning(),
                lag.partitions(), lag.total(), counters.consumed.sum(), counters.replied.sum(),
                counters.deadLettered.sum(), counters.redelivered.sum(), counters.abandonedBatches.sum(),
                counters.lastError);
    }
}
