package io.ringkernel.kafka;

import java.util.Collection;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.TopicPartition;
import org.springframework.kafka.listener.ConsumerAwareRebalanceListener;

/**
 * The consumer lag of the partitions assigned to one binding in this instance, over all its
 * consumer threads. Each thread records its own partitions' lag when it receives a batch, from
 * {@link Consumer#currentLag}, which reads the last fetch response and makes no broker call; the
 * rebalance callbacks keep the set of partitions current.
 *
 * <p>Thread-safety: thread-safe. {@link #update} and the rebalance callbacks run on consumer
 * threads (the only threads that may touch a consumer); {@link #total()} and {@link #partitions()}
 * on any.
 */
final class PartitionLag implements ConsumerAwareRebalanceListener {

    private final Map<TopicPartition, Long> lags = new ConcurrentHashMap<>();

    /** Records the lag of every partition {@code consumer} holds. Consumer thread only. */
    void update(Consumer<?, ?> consumer) {
        for (TopicPartition tp : consumer.assignment()) {
            OptionalLong lag = consumer.currentLag(tp);
            if (lag.isPresent()) {
                lags.put(tp, lag.getAsLong());
            }
        }
    }

    /** Sum of the last known lag of every assigned partition. */
    long total() {
        long sum = 0;
        for (long lag : lags.values()) {
            sum += lag;
        }
        return sum;
    }

    /** Partitions assigned to the binding's consumers now. */
    int partitions() {
        return lags.size();
    }

    /** Forgets every partition, once the binding's consumers have stopped. */
    void clear() {
        lags.clear();
    }

    @Override
    public void onPartitionsAssigned(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        // Unknown until the first fetch; counted as assigned from now on.
        partitions.forEach(tp -> lags.putIfAbsent(tp, 0L));
    }

    @Override
    public void onPartitionsRevokedAfterCommit(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        partitions.forEach(lags::remove);
    }

    @Override
    public void onPartitionsLost(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        partitions.forEach(lags::remove);
    }
}
