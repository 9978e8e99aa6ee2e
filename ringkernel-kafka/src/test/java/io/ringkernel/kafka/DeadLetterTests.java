package io.ringkernel.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.Test;
import org.springframework.kafka.listener.ListenerExecutionFailedException;
import org.springframework.kafka.support.KafkaHeaders;

import io.ringkernel.actuate.endpoint.RingKernelsEndpoint;
import io.ringkernel.examples.VectorAddRequest;
import io.ringkernel.layout.MessageLayout;

/**
 * Records that cannot be answered go to the dead-letter topic with the cause in Spring Kafka's
 * {@code kafka_dlt-*} headers, count as handled (their offsets are committed), and do not disturb
 * the records around them.
 */
class DeadLetterTests {

    private static final String REQUESTS = "dlt-requests";
    private static final String REPLIES = "dlt-replies";
    private static final String DEAD_LETTERS = REQUESTS + "-dlt";
    private static final String GROUP = "dlt-group";
    private static final int VALID = 300;

    @Test
    void poisonRecordsLandInTheDeadLetterTopicWithTheirCauseAndEverythingElseIsAnswered() throws Exception {
        KafkaTestBroker.createTopics(REQUESTS, REPLIES, DEAD_LETTERS);
        Map<String, RecordMetadata> poison = new HashMap<>();
        try (KafkaProducer<byte[], byte[]> producer = KafkaTestBroker.producer()) {
            for (long i = 0; i < VALID; i++) {
                producer.send(VectorAddTraffic.record(REQUESTS, i));
                if (i == 100) {
                    poison.put("too short", producer.send(poison(new byte[3], "too short")).get());
                    poison.put("bad length", producer.send(poison(lengthOutOfRange(), "bad length")).get());
                    poison.put("handler fails", producer.send(poison(RingKernelRecords.encode(
                            new VectorAddRequest(new float[] {1, 2, 3}, new float[] {1, 2})), "handler fails")).get());
                }
            }
        }

        try (TestInstance instance = TestInstance.start(VectorAddTraffic.kernel(VectorAddTraffic.Probe.recording()),
                "ringkernel.kernels.vector-add.kafka.request-topic=" + REQUESTS,
                "ringkernel.kernels.vector-add.kafka.reply-topic=" + REPLIES,
                "ringkernel.kernels.vector-add.kafka.group-id=" + GROUP,
                "ringkernel.kernels.vector-add.kafka.batch-size=64")) {
            TestInstance.await("every request committed", Duration.ofSeconds(60),
                    () -> KafkaTestBroker.fullyCommitted(GROUP, REQUESTS));

            List<ConsumerRecord<byte[], byte[]>> replies = KafkaTestBroker.readAll(REPLIES);
            assertThat(replies).hasSize(VALID).allMatch(VectorAddTraffic::isCorrectReply);
            assertThat(replies.stream().map(VectorAddTraffic::correlation).collect(Collectors.toSet())).hasSize(VALID);

            Map<String, ConsumerRecord<byte[], byte[]>> deadLetters = KafkaTestBroker.readAll(DEAD_LETTERS).stream()
                    .collect(Collectors.toMap(r -> header(r, "poison"), r -> r));
            assertThat(deadLetters).containsOnlyKeys("too short", "bad length", "handler fails");
            deadLetters.forEach((name, r) -> {
                RecordMetadata original = poison.get(name);
                assertThat(header(r, KafkaHeaders.DLT_ORIGINAL_TOPIC)).isEqualTo(REQUESTS);
                assertThat(ByteBuffer.wrap(r.headers().lastHeader(KafkaHeaders.DLT_ORIGINAL_PARTITION).value()).getInt())
                        .isEqualTo(original.partition());
                assertThat(ByteBuffer.wrap(r.headers().lastHeader(KafkaHeaders.DLT_ORIGINAL_OFFSET).value()).getLong())
                        .isEqualTo(original.offset());
                assertThat(header(r, KafkaHeaders.DLT_EXCEPTION_STACKTRACE)).isNotBlank();
            });
            assertThat(header(deadLetters.get("too short"), KafkaHeaders.DLT_EXCEPTION_FQCN))
                    .isEqualTo(InvalidRequestRecordException.class.getName());
            assertThat(header(deadLetters.get("too short"), KafkaHeaders.DLT_EXCEPTION_MESSAGE))
                    .contains("value is 3 bytes", "VectorAddRequest is 208 bytes");
            assertThat(header(deadLetters.get("bad length"), KafkaHeaders.DLT_EXCEPTION_MESSAGE))
                    .contains("VectorAddRequest.a count 99 out of range 0..25");
            assertThat(header(deadLetters.get("handler fails"), KafkaHeaders.DLT_EXCEPTION_FQCN))
                    .isEqualTo(ListenerExecutionFailedException.class.getName());
            assertThat(header(deadLetters.get("handler fails"), KafkaHeaders.DLT_EXCEPTION_CAUSE_FQCN))
                    .isEqualTo(IllegalArgumentException.class.getName());
            assertThat(header(deadLetters.get("handler fails"), KafkaHeaders.DLT_EXCEPTION_MESSAGE))
                    .contains("vectors differ in length: 3 vs 2");

            KafkaBindingTelemetry t = instance.binding(VectorAddTraffic.KERNEL).telemetry();
            assertThat(t.consumed()).isEqualTo(VALID + 3);
            assertThat(t.replied()).isEqualTo(VALID);
            assertThat(t.deadLettered()).isEqualTo(3);
            assertThat(t.abandonedBatches()).isZero();
            assertThat(t.redelivered()).isZero();
            assertThat(t.lag()).isZero();

            assertThat(instance.meters().get("ringkernel.kafka.records.dead-lettered").tag("kernel", "vector-add")
                    .functionCounter().count()).isEqualTo(3);
            assertThat(instance.meters().get("ringkernel.kafka.records.replied").tag("topic", REQUESTS)
                    .functionCounter().count()).isEqualTo(VALID);
            RingKernelsEndpoint.KernelDescriptor described = instance.endpoint().kernel(VectorAddTraffic.KERNEL);
            assertThat(described.details()).containsEntry("kafka", t);
        }
    }

    private static ProducerRecord<byte[], byte[]> poison(byte[] value, String name) {
        ProducerRecord<byte[], byte[]> r = new ProducerRecord<>(REQUESTS, name.getBytes(StandardCharsets.UTF_8), value);
        r.headers().add("poison", name.getBytes(StandardCharsets.UTF_8));
        return r;
    }

    /** A VectorAddRequest whose first vector claims 99 elements, more than its 25 places. */
    private static byte[] lengthOutOfRange() {
        byte[] value = RingKernelRecords.encode(VectorAddTraffic.request(7));
        MessageLayout<VectorAddRequest> layout = MessageLayout.of(VectorAddRequest.class);
        ByteBuffer.wrap(value).order(ByteOrder.LITTLE_ENDIAN).putInt(layout.field("a").lengthOffset(), 99);
        return value;
    }

    private static String header(ConsumerRecord<byte[], byte[]> r, String name) {
        return new String(r.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
    }
}
