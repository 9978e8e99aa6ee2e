package io.ringkernel.kafka;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.kafka.clients.consumer.ConsumerInterceptor;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * A consumer interceptor that remembers, per application instance, the last offset each
 * partition's consumer committed, so a test can tell which records an instance had committed when
 * it went away. Installed with {@code spring.kafka.consumer.properties.interceptor.classes}; the
 * instance name comes from the consumer property {@value #INSTANCE}.
 */
public final class CommitRecorder implements ConsumerInterceptor<byte[], byte[]> {

    /** Consumer property naming the instance. */
    public static final String INSTANCE = "ringkernel.test.instance";

    private static final Map<String, Map<TopicPartition, Long>> COMMITTED = new ConcurrentHashMap<>();

    private volatile String instance;

    /** The last committed offset per partition of {@code instance} (the next offset it would have read). */
    public static Map<TopicPartition, Long> committedBy(String instance) {
        return Map.copyOf(COMMITTED.getOrDefault(instance, Map.of()));
    }

    @Override
    public void configure(Map<String, ?> configs) {
        instance = String.valueOf(configs.get(INSTANCE));
    }

    @Override
    public ConsumerRecords<byte[], byte[]> onConsume(ConsumerRecords<byte[], byte[]> records) {
        return records;
    }

    @Override
    public void onCommit(Map<TopicPartition, OffsetAndMetadata> offsets) {
        Map<TopicPartition, Long> mine = COMMITTED.computeIfAbsent(instance, i -> new ConcurrentHashMap<>());
        offsets.forEach((tp, om) -> mine.merge(tp, om.offset(), Math::max));
    }

    @Override
    public void close() {
    }
}
