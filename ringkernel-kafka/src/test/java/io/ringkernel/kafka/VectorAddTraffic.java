package io.ringkernel.kafka;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.springframework.kafka.support.KafkaHeaders;

import io.ringkernel.RingKernelDefinition;
import io.ringkernel.examples.VectorAddKernels;
import io.ringkernel.examples.VectorAddRequest;
import io.ringkernel.examples.VectorAddResponse;

/**
 * VectorAdd requests numbered by {@code i}, whose correct reply is known from {@code i} alone, and
 * a VectorAdd kernel that records which requests it handled and can be made to hang.
 */
final class VectorAddTraffic {

    static final String KERNEL = "vector-add";

    private VectorAddTraffic() {
    }

    /** Request {@code i}: {@code [i, 1, 2] + [1, i, 3]}. */
    static VectorAddRequest request(long i) {
        return new VectorAddRequest(new float[] {i, 1, 2}, new float[] {1, i, 3});
    }

    /** The only correct reply to request {@code i}. */
    static float[] expectedSum(long i) {
        return new float[] {i + 1, i + 1, 5};
    }

    /** Request {@code i} as a record: key and correlation id are {@code i}. */
    static ProducerRecord<byte[], byte[]> record(String topic, long i) {
        ProducerRecord<byte[], byte[]> r = new ProducerRecord<>(topic, RingKernelRecords.key(i),
                RingKernelRecords.encode(request(i)));
        r.headers().add(KafkaHeaders.CORRELATION_ID, ByteBuffer.allocate(Long.BYTES).putLong(i).array());
        return r;
    }

    /** The correlation id of a request or reply record. */
    static long correlation(ConsumerRecord<byte[], byte[]> r) {
        Header h = r.headers().lastHeader(KafkaHeaders.CORRELATION_ID);
        if (h == null) {
            throw new AssertionError("record " + r.topic() + "-" + r.partition() + "@" + r.offset() + " has no correlation id");
        }
        return ByteBuffer.wrap(h.value()).getLong();
    }

    /** Whether {@code reply} is the correct answer to the request its correlation id names. */
    static boolean isCorrectReply(ConsumerRecord<byte[], byte[]> reply) {
        VectorAddResponse r = RingKernelRecords.decode(VectorAddResponse.class, reply.value());
        return Arrays.equals(r.c(), expectedSum(correlation(reply)));
    }

    /** A VectorAdd kernel that reports to {@code probe}. */
    static RingKernelDefinition<VectorAddRequest, VectorAddResponse> kernel(Probe probe) {
        return RingKernelDefinition.builder(KERNEL, VectorAddRequest.class, VectorAddResponse.class)
                .handler((request, context) -> {
                    probe.beforeHandling();
                    VectorAddResponse sum = VectorAddKernels.add(request);
                    probe.handled((long) request.a()[0]);
                    return sum;
                })
                .build();
    }

    /**
     * Records which requests a kernel handled, and can hang it: the handler call number
     * {@code hangAt} (1-based) blocks until {@link #release()}, after signalling {@link #awaitHung}.
     */
    static final class Probe {

        private final long hangAt;
        private final AtomicLong calls = new AtomicLong();
        private final Set<Long> handled = ConcurrentHashMap.newKeySet();
        private final CountDownLatch hung = new CountDownLatch(1);
        private final CountDownLatch released = new CountDownLatch(1);

        private Probe(long hangAt) {
            this.hangAt = hangAt;
        }

        /** A probe that never hangs the kernel. */
        static Probe recording() {
            return new Probe(Long.MAX_VALUE);
        }

        /** A probe that hangs the kernel at its {@code call}-th message. */
        static Probe hangingAt(long call) {
            return new Probe(call);
        }

        void beforeHandling() throws InterruptedException {
            if (calls.incrementAndGet() == hangAt) {
                hung.countDown();
                if (!released.await(2, TimeUnit.MINUTES)) {
                    throw new IllegalStateException("test probe never released");
                }
            }
        }

        void handled(long i) {
            handled.add(i);
        }

        /** Waits until the kernel hangs in its handler. */
        void awaitHung() throws InterruptedException {
            if (!hung.await(2, TimeUnit.MINUTES)) {
                throw new AssertionError("the kernel never reached message " + hangAt + " (handled " + calls.get() + ")");
            }
        }

        /** Lets a hung handler return. */
        void release() {
            released.countDown();
        }

        /** Requests the handler answered (a hung message is not counted). */
        Set<Long> handled() {
            return handled;
        }
    }
}
