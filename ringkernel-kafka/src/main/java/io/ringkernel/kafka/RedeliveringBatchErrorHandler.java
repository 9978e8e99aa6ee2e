package io.ringkernel.kafka;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;
import org.springframework.core.NestedExceptionUtils;
import org.springframework.kafka.listener.CommonErrorHandler;
import org.springframework.kafka.listener.ListenerUtils;
import org.springframework.kafka.listener.MessageListenerContainer;

/**
 * Handles a batch the listener abandoned (see {@link BatchAbandonedException}): rewinds every
 * partition of the batch to the batch's first offset there, commits nothing, and waits a little
 * before the next poll delivers the records again.
 *
 * <p>Why not Spring Kafka's {@code DefaultErrorHandler}: once its retries are exhausted it hands
 * the records to a recoverer and commits them. Records reach this handler only for reasons that
 * are not theirs (a stopped kernel, an unreachable broker); those must never be skipped, so the
 * batch is retried for as long as the container runs, and a stop leaves the offsets uncommitted
 * for the next owner of the partitions. Records that are at fault never get here: the listener
 * dead-letters them itself.
 *
 * <p>Thread-safety: stateless apart from the immutable back-off; runs on consumer threads.
 */
final class RedeliveringBatchErrorHandler implements CommonErrorHandler {

    private static final Log log = LogFactory.getLog(RedeliveringBatchErrorHandler.class);

    private final Duration backOff;

    RedeliveringBatchErrorHandler(Duration backOff) {
        this.backOff = backOff;
    }

    @Override
    public boolean seeksAfterHandling() {
        return true;
    }

    @Override
    public boolean isAckAfterHandle() {
        return false;
    }

    @Override
    public void handleBatch(Exception thrownException, ConsumerRecords<?, ?> data, Consumer<?, ?> consumer,
            MessageListenerContainer container, Runnable invokeListener) {
        Map<TopicPartition, Long> first = new HashMap<>();
        for (ConsumerRecord<?, ?> r : data) {
            first.merge(new TopicPartition(r.topic(), r.partition()), r.offset(), Math::min);
        }
        first.forEach(consumer::seek);
        log.warn("Batch of " + data.count() + " records from " + first.keySet() + " abandoned, offsets not committed;"
                + " it is delivered again after " + backOff.toMillis() + " ms (or to another instance after a"
                + " rebalance): " + reason(thrownException));
        try {
            ListenerUtils.stoppableSleep(container, backOff.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String reason(Throwable thrown) {
        // The container wraps what the listener threw; the abandonment says why in the binding's words.
        for (Throwable t = thrown; t != null; t = t.getCause()) {
            if (t instanceof BatchAbandonedException) {
                return t.getMessage();
            }
        }
        return NestedExceptionUtils.getMostSpecificCause(thrown).toString();
    }
}
