package io.ringkernel.kafka;

import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.springframework.kafka.core.KafkaOperations;
import org.springframework.kafka.listener.BatchConsumerAwareMessageListener;
import org.springframework.kafka.listener.DeadLetterPublishingRecoverer;
import org.springframework.kafka.listener.ListenerExecutionFailedException;
import org.springframework.kafka.support.KafkaHeaders;

import io.ringkernel.KernelFailedException;
import io.ringkernel.KernelState;
import io.ringkernel.RingKernel;
import io.ringkernel.layout.MessageLayout;

/**
 * Feeds one poll's records to a kernel as one batch and answers them, in record order:
 * <ol>
 * <li>decode every record (value layout, key, reply destination); a record that fails is an
 *     {@link InvalidRequestRecordException};
 * <li>hand the decoded messages to the kernel with one {@link RingKernel#sendBatch};
 * <li>for each record, in order, produce its reply; set aside the records that were invalid or
 *     whose handler failed ({@link KernelFailedException});
 * <li>publish the set-aside records to the dead-letter topic with the cause in the headers
 *     (waiting for the broker's acknowledgement); a handler failure is reported as Spring Kafka
 *     reports a failed listener, a {@link ListenerExecutionFailedException} caused by the
 *     handler's exception;
 * <li>wait until the broker has acknowledged every reply, then return, and the container commits
 *     the batch's offsets.
 * </ol>
 * Anything else (the kernel stopped, refused the batch or is paused while the binding stops; a
 * handler was interrupted, or handlers failed while the kernel stopped; a reply or dead letter was
 * not acknowledged) abandons the batch with a
 * {@link BatchAbandonedException}: no offset is committed and the records come again. So a
 * committed offset always means every record before it was answered or dead-lettered, and a
 * crash at any point loses nothing; the price is that replies already produced for an abandoned
 * batch are produced again (at-least-once).
 *
 * <p>Thread-safety: called by the container's consumer threads, one batch per thread at a time;
 * the shared state (counters, redelivery marks) is thread-safe.
 *
 * @param <I> request record
 * @param <O> response record
 */
final class KernelBatchListener<I, O> implements BatchConsumerAwareMessageListener<byte[], byte[]> {

    private static final long REPLY_POLL_MILLIS = 100;

    private final KafkaBindingSettings settings;
    private final RingKernel<I, O> kernel;
    private final MessageLayout<I> requestLayout;
    private final MessageLayout<O> responseLayout;
    private final KafkaOperations<byte[], byte[]> producer;
    private final DeadLetterPublishingRecoverer deadLetterPublisher;
    private final PartitionLag lag;
    private final BindingCounters counters;
    private final BooleanSupplier stopping;
    /** Per partition, one past the highest offset handed to the kernel: a record below it is a redelivery. */
    private final Map<TopicPartition, Long> handedOver = new ConcurrentHashMap<>();

    KernelBatchListener(KafkaBindingSettings settings, RingKernel<I, O> kernel, MessageLayout<I> requestLayout,
            MessageLayout<O> responseLayout, KafkaOperations<byte[], byte[]> producer,
            DeadLetterPublishingRecoverer deadLetterPublisher, PartitionLag lag, BindingCounters counters,
            BooleanSupplier stopping) {
        this.settings = settings;
        this.kernel = kernel;
        this.requestLayout = requestLayout;
        this.responseLayout = responseLayout;
        this.producer = producer;
        this.deadLetterPublisher = deadLetterPublisher;
        this.lag = lag;
        this.counters = counters;
        this.stopping = stopping;
    }

    @Override
    public void onMessage(List<ConsumerRecord<byte[], byte[]>> records, Consumer<?, ?> consumer) {
        lag.update(consumer);
        counters.consumed.add(records.size());
        try {
            answer(records);
        } catch (BatchAbandonedException e) {
            counters.abandoned(e);
            throw e;
        } catch (RuntimeException e) {
            BatchAbandonedException abandoned = new BatchAbandonedException("answering the batch failed: " + e, e);
            counters.abandoned(abandoned);
            throw abandoned;
        }
    }

    private void answer(List<ConsumerRecord<byte[], byte[]>> records) {
        List<Request<I>> requests = new ArrayList<>(records.size());
        List<I> messages = new ArrayList<>(records.size());
        for (ConsumerRecord<byte[], byte[]> r : records) {
            Request<I> request = decode(r);
            requests.add(request);
            if (request.invalid() == null) {
                messages.add(request.message());
            }
        }
        List<CompletableFuture<O>> futures = submit(messages);
        markHandedOver(requests);
        List<CompletableFuture<?>> acks = new ArrayList<>(futures.size());
        // Dead letters wait for the whole batch: if the kernel stops half-way, none of them is the records' fault.
        List<DeadLetter> setAside = new ArrayList<>();
        boolean handlerFailed = false;
        int next = 0;
        for (Request<I> request : requests) {
            if (request.invalid() != null) {
                setAside.add(new DeadLetter(request.record(), request.invalid()));
                continue;
            }
            O reply;
            try {
                reply = await(futures.get(next++));
            } catch (KernelFailedException e) {
                setAside.add(new DeadLetter(request.record(), handlerFailure(request.record(), e)));
                handlerFailed = true;
                continue;
            }
            acks.add(producer.send(replyRecord(request, reply)));
        }
        if (handlerFailed) {
            requireStillServing();
        }
        setAside.forEach(d -> deadLetter(d.record(), d.cause()));
        // Send what the producer holds now instead of after linger.ms: the commit waits for it.
        producer.flush();
        awaitAcknowledged(acks);
        counters.replied.add(acks.size());
    }

    private Request<I> decode(ConsumerRecord<byte[], byte[]> r) {
        try {
            I message = RingKernelRecords.decode(requestLayout, r.value());
            if (requestLayout.keyField() != null) {
                checkKey(r, requestLayout.readKey(RingKernelRecords.little(r.value()), 0));
            }
            return new Request<>(r, message, replyTopic(r), replyPartition(r), null);
        } catch (InvalidRequestRecordException e) {
            return new Request<>(r, null, null, null, e);
        } catch (RuntimeException e) {
            // Whatever decoding throws (a bad length, a record constructor's own check) is the record's fault.
            return new Request<>(r, null, null, null, new InvalidRequestRecordException("record "
                    + r.topic() + "-" + r.partition() + "@" + r.offset() + " is not a " + requestLayout.type().getSimpleName()
                    + " for kernel '" + settings.kernelId() + "': " + e.getMessage(), e));
        }
    }

    private static void checkKey(ConsumerRecord<byte[], byte[]> r, long messageKey) {
        byte[] expected = RingKernelRecords.key(messageKey);
        if (!Arrays.equals(expected, r.key())) {
            throw new InvalidRequestRecordException("record " + r.topic() + "-" + r.partition() + "@" + r.offset()
                    + " has key " + (r.key() == null ? "null" : HexFormat.of().formatHex(r.key()))
                    + " but its message's @Key is " + messageKey + " (expected " + HexFormat.of().formatHex(expected)
                    + ", 8 big-endian bytes): keyed kernels need the record key to be the message key, so that one"
                    + " key's messages share a partition, an instance and a state");
        }
    }

    private String replyTopic(ConsumerRecord<byte[], byte[]> r) {
        Header header = r.headers().lastHeader(KafkaHeaders.REPLY_TOPIC);
        if (header != null && header.value() != null && header.value().length > 0) {
            return new String(header.value(), StandardCharsets.UTF_8);
        }
        if (settings.replyTopic() == null) {
            throw new InvalidRequestRecordException("record " + r.topic() + "-" + r.partition() + "@" + r.offset()
                    + " has no " + KafkaHeaders.REPLY_TOPIC + " header and kernel '" + settings.kernelId()
                    + "' has no reply topic configured, so its reply has nowhere to go");
        }
        return settings.replyTopic();
    }

    private static Integer replyPartition(ConsumerRecord<byte[], byte[]> r) {
        Header header = r.headers().lastHeader(KafkaHeaders.REPLY_PARTITION);
        if (header == null) {
            return null;
        }
        if (header.value() == null || header.value().length != Integer.BYTES) {
            throw new InvalidRequestRecordException("record " + r.topic() + "-" + r.partition() + "@" + r.offset()
                    + " has a " + KafkaHeaders.REPLY_PARTITION + " header that is not a 4-byte partition number");
        }
        return ByteBuffer.wrap(header.value()).getInt();
    }

    private List<CompletableFuture<O>> submit(List<I> messages) {
        if (messages.isEmpty()) {
            return List.of();
        }
        try {
            return kernel.sendBatch(messages);
        } catch (IllegalStateException | IllegalArgumentException e) {
            throw new BatchAbandonedException("kernel '" + settings.kernelId() + "' did not take the batch: "
                    + e.getMessage(), e);
        }
    }

    private void markHandedOver(List<Request<I>> requests) {
        for (Request<I> request : requests) {
            if (request.invalid() != null) {
                continue;
            }
            ConsumerRecord<byte[], byte[]> r = request.record();
            TopicPartition tp = new TopicPartition(r.topic(), r.partition());
            long before = handedOver.getOrDefault(tp, 0L);
            if (r.offset() < before) {
                counters.redelivered.increment();
            } else {
                handedOver.put(tp, r.offset() + 1);
            }
        }
    }

    private O await(CompletableFuture<O> future) {
        while (true) {
            try {
                return future.get(REPLY_POLL_MILLIS, TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                KernelState state = kernel.state();
                // A paused kernel would hold the batch, and the shutdown, until it is resumed.
                if (stopping.getAsBoolean() && state != KernelState.ACTIVE) {
                    throw new BatchAbandonedException("the binding is stopping and kernel '" + settings.kernelId()
                            + "' is " + state + ", so the batch will not be answered here", e);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new BatchAbandonedException("interrupted while waiting for kernel '" + settings.kernelId() + "'", e);
            } catch (ExecutionException e) {
                Throwable cause = e.getCause();
                if (cause instanceof KernelFailedException failed) {
                    throw failed;
                }
                throw new BatchAbandonedException("kernel '" + settings.kernelId() + "' did not answer: " + cause, cause);
            }
        }
    }

    /**
     * The dead letter's cause for a handler failure, reported as Spring Kafka reports a failed
     * listener: a {@link ListenerExecutionFailedException} caused by the handler's own exception.
     * A handler that was interrupted failed because its kernel was stopped by force, not because of
     * the record, so the batch is abandoned instead.
     */
    private Exception handlerFailure(ConsumerRecord<byte[], byte[]> r, KernelFailedException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof InterruptedException || t instanceof InterruptedIOException
                    || t instanceof ClosedByInterruptException) {
                throw new BatchAbandonedException("the handler of kernel '" + settings.kernelId() + "' was interrupted"
                        + " on record " + r.topic() + "-" + r.partition() + "@" + r.offset() + ", as when the kernel"
                        + " is stopped by force", e);
            }
        }
        return new ListenerExecutionFailedException(e.getMessage(), e.getCause() != null ? e.getCause() : e);
    }

    /** After handler failures: they are the records' fault only if the kernel kept serving. */
    private void requireStillServing() {
        KernelState state = kernel.state();
        if (state != KernelState.ACTIVE) {
            throw new BatchAbandonedException("handlers of kernel '" + settings.kernelId() + "' failed while it went "
                    + state + "; the failures may be the stop's, not the records'", null);
        }
    }

    private ProducerRecord<byte[], byte[]> replyRecord(Request<I> request, O reply) {
        ConsumerRecord<byte[], byte[]> r = request.record();
        ProducerRecord<byte[], byte[]> out = new ProducerRecord<>(request.replyTopic(), request.replyPartition(), r.key(),
                RingKernelRecords.encode(responseLayout, reply));
        Header correlation = r.headers().lastHeader(KafkaHeaders.CORRELATION_ID);
        if (correlation != null) {
            out.headers().add(KafkaHeaders.CORRELATION_ID, correlation.value());
        }
        return out;
    }

    private void deadLetter(ConsumerRecord<byte[], byte[]> r, Exception cause) {
        try {
            deadLetterPublisher.accept(r, null, cause);
        } catch (RuntimeException e) {
            throw new BatchAbandonedException("record " + r.topic() + "-" + r.partition() + "@" + r.offset()
                    + " could not be dead-lettered to '" + settings.deadLetterTopic() + "': " + e.getMessage(), e);
        }
        counters.deadLettered.increment();
    }

    private void awaitAcknowledged(List<CompletableFuture<?>> acks) {
        try {
            CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BatchAbandonedException("interrupted while waiting for reply acknowledgements", e);
        } catch (ExecutionException e) {
            throw new BatchAbandonedException("a reply was not acknowledged by the broker: " + e.getCause(), e.getCause());
        }
    }

    /** A record bound for the dead-letter topic, and why. */
    private record DeadLetter(ConsumerRecord<byte[], byte[]> record, Exception cause) {
    }

    /**
     * One record of the batch: the decoded message and where its reply goes, or why it is invalid.
     */
    private record Request<I>(ConsumerRecord<byte[], byte[]> record, I message, String replyTopic,
            Integer replyPartition, InvalidRequestRecordException invalid) {
    }
}
