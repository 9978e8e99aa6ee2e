package io.ringkernel.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.springframework.kafka.core.DefaultKafkaConsumerFactory;
import org.springframework.kafka.core.DefaultKafkaProducerFactory;
import org.springframework.kafka.listener.ContainerProperties;
import org.springframework.kafka.listener.KafkaMessageListenerContainer;
import org.springframework.kafka.requestreply.ReplyingKafkaTemplate;
import org.springframework.kafka.support.KafkaHeaders;

import io.ringkernel.examples.VectorAddResponse;

/**
 * A bound kernel follows Spring Kafka's request/reply conventions: a client using
 * {@link ReplyingKafkaTemplate} gets its replies, routed by its {@code kafka_replyTopic} header
 * and matched by {@code kafka_correlationId}.
 */
class RequestReplyTests {

    @Test
    void answersAReplyingKafkaTemplateOnTheReplyTopicItAsksFor() throws Exception {
        String requests = "rr-requests";
        String configuredReplies = "rr-configured-replies";
        String clientReplies = "rr-client-replies";
        KafkaTestBroker.createTopics(requests, configuredReplies, clientReplies);
        try (TestInstance instance = TestInstance.start(VectorAddTraffic.kernel(VectorAddTraffic.Probe.recording()),
                "ringkernel.kernels.vector-add.kafka.request-topic=" + requests,
                "ringkernel.kernels.vector-add.kafka.reply-topic=" + configuredReplies)) {
            ReplyingKafkaTemplate<byte[], byte[], byte[]> client = replyingTemplate(clientReplies);
            try {
                client.start();
                assertThat(client.waitForAssignment(Duration.ofSeconds(30))).isTrue();
                for (long i = 0; i < 20; i++) {
                    ConsumerRecord<byte[], byte[]> reply = client.sendAndReceive(new ProducerRecord<>(requests,
                            RingKernelRecords.encode(VectorAddTraffic.request(i)))).get(30, TimeUnit.SECONDS);
                    assertThat(reply.topic()).isEqualTo(clientReplies);
                    assertThat(RingKernelRecords.decode(VectorAddResponse.class, reply.value()).c())
                            .containsExactly(VectorAddTraffic.expectedSum(i));
                }
            } finally {
                client.stop();
                client.destroy();
            }
            assertThat(instance.binding(VectorAddTraffic.KERNEL).telemetry().replied()).isEqualTo(20);
        }
        assertThat(KafkaTestBroker.endOffsets(configuredReplies).values()).containsOnly(0L);
    }

    @Test
    void withoutAReplyTopicConfiguredOnlyRequestsThatNameOneAreAnswered() throws Exception {
        String requests = "rr-headers-only-requests";
        String replies = "rr-headers-only-replies";
        KafkaTestBroker.createTopics(requests, replies, requests + "-dlt");
        try (TestInstance instance = TestInstance.start(VectorAddTraffic.kernel(VectorAddTraffic.Probe.recording()),
                "ringkernel.kernels.vector-add.kafka.request-topic=" + requests);
                KafkaProducer<byte[], byte[]> producer = KafkaTestBroker.producer()) {
            ProducerRecord<byte[], byte[]> withHeader = VectorAddTraffic.record(requests, 1);
            withHeader.headers().add(KafkaHeaders.REPLY_TOPIC, replies.getBytes(StandardCharsets.UTF_8));
            producer.send(withHeader).get();
            producer.send(VectorAddTraffic.record(requests, 2)).get();

            TestInstance.await("both requests committed", Duration.ofSeconds(30),
                    () -> KafkaTestBroker.fullyCommitted("ringkernel-vector-add", requests));
            List<ConsumerRecord<byte[], byte[]>> answered = KafkaTestBroker.readAll(replies);
            assertThat(answered).hasSize(1);
            assertThat(VectorAddTraffic.correlation(answered.get(0))).isEqualTo(1);
            List<ConsumerRecord<byte[], byte[]>> deadLetters = KafkaTestBroker.readAll(requests + "-dlt");
            assertThat(deadLetters).hasSize(1);
            assertThat(VectorAddTraffic.correlation(deadLetters.get(0))).isEqualTo(2);
            assertThat(new String(deadLetters.get(0).headers().lastHeader(KafkaHeaders.DLT_EXCEPTION_MESSAGE).value(),
                    StandardCharsets.UTF_8)).contains("no kafka_replyTopic header", "no reply topic configured");
        }
    }

    private static ReplyingKafkaTemplate<byte[], byte[], byte[]> replyingTemplate(String replyTopic) {
        Map<String, Object> producer = new HashMap<>();
        producer.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaTestBroker.bootstrapServers());
        Map<String, Object> consumer = new HashMap<>();
        consumer.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaTestBroker.bootstrapServers());
        consumer.put(ConsumerConfig.GROUP_ID_CONFIG, "rr-client");
        consumer.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        KafkaMessageListenerContainer<byte[], byte[]> replies = new KafkaMessageListenerContainer<>(
                new DefaultKafkaConsumerFactory<>(consumer, new ByteArrayDeserializer(), new ByteArrayDeserializer()),
                new ContainerProperties(replyTopic));
        return new ReplyingKafkaTemplate<>(
                new DefaultKafkaProducerFactory<>(producer, new ByteArraySerializer(), new ByteArraySerializer()),
                replies);
    }
}
