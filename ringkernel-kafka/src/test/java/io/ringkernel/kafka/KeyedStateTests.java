package io.ringkernel.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.springframework.kafka.support.KafkaHeaders;

/**
 * The record key is the message key, so one key's messages share a partition, an instance and a
 * kernel: per-key order and per-key state hold across instances while the partitions stay put.
 */
class KeyedStateTests {

    private static final String REQUESTS = "keyed-requests";
    private static final String REPLIES = "keyed-replies";
    private static final String GROUP = "keyed-group";
    private static final int KEYS = 32;
    private static final int EVENTS_PER_KEY = 100;

    @Test
    void perKeyOrderAndStateHoldAcrossTwoInstancesAndAMisroutedRecordIsDeadLettered() throws Exception {
        KafkaTestBroker.createTopics(REQUESTS, REPLIES, REQUESTS + "-dlt");
        String[] properties = {
            "ringkernel.kernels.running-count.kafka.request-topic=" + REQUESTS,
            "ringkernel.kernels.running-count.kafka.reply-topic=" + REPLIES,
            "ringkernel.kernels.running-count.kafka.group-id=" + GROUP,
            "ringkernel.kernels.running-count.kafka.batch-size=50" };
        try (TestInstance first = TestInstance.start(RunningCount.kernel(), properties);
                TestInstance second = TestInstance.start(RunningCount.kernel(), properties)) {
            TestInstance.await("each instance owns two partitions", Duration.ofSeconds(60),
                    () -> assigned(first) == 2 && assigned(second) == 2);
            try (KafkaProducer<byte[], byte[]> producer = KafkaTestBroker.producer()) {
                for (int sequence = 0; sequence < EVENTS_PER_KEY; sequence++) {
                    for (long key = 0; key < KEYS; key++) {
                        RunningCount.Count event = new RunningCount.Count(key, sequence);
                        producer.send(new ProducerRecord<>(REQUESTS, RingKernelRecords.keyOf(event),
                                RingKernelRecords.encode(event)));
                    }
                }
                ProducerRecord<byte[], byte[]> misrouted = new ProducerRecord<>(REQUESTS, RingKernelRecords.key(7),
                        RingKernelRecords.encode(new RunningCount.Count(8, 0)));
                misrouted.headers().add("misrouted", new byte[] {1});
                producer.send(misrouted).get();
            }
            TestInstance.await("every event committed", Duration.ofSeconds(60),
                    () -> KafkaTestBroker.fullyCommitted(GROUP, REQUESTS));
            assertThat(first.binding(RunningCount.KERNEL).telemetry().replied()).isPositive();
            assertThat(second.binding(RunningCount.KERNEL).telemetry().replied()).isPositive();
        }

        Map<Long, List<RunningCount.Counted>> byKey = new LinkedHashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : KafkaTestBroker.readAll(REPLIES)) {
            RunningCount.Counted c = RingKernelRecords.decode(RunningCount.Counted.class, r.value());
            assertThat(r.key()).isEqualTo(RingKernelRecords.key(c.key()));
            byKey.computeIfAbsent(c.key(), k -> new ArrayList<>()).add(c);
        }
        assertThat(byKey).hasSize(KEYS);
        byKey.forEach((key, counted) -> {
            assertThat(counted).hasSize(EVENTS_PER_KEY);
            for (int sequence = 0; sequence < EVENTS_PER_KEY; sequence++) {
                assertThat(counted.get(sequence)).isEqualTo(new RunningCount.Counted(key, sequence, sequence + 1,
                        sequence - 1));
            }
        });
        List<ConsumerRecord<byte[], byte[]>> deadLetters = KafkaTestBroker.readAll(REQUESTS + "-dlt");
        assertThat(deadLetters).hasSize(1);
        assertThat(deadLetters.get(0).headers().lastHeader("misrouted")).isNotNull();
        assertThat(new String(deadLetters.get(0).headers().lastHeader(KafkaHeaders.DLT_EXCEPTION_MESSAGE).value(),
                StandardCharsets.UTF_8)).contains("its message's @Key is 8");
    }

    private static int assigned(TestInstance instance) {
        return instance.binding(RunningCount.KERNEL).telemetry().assignedPartitions();
    }
}
