package io.ringkernel.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Future;
import java.util.stream.Collectors;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/**
 * Scale-out through a consumer group, and what losing an instance costs: two application
 * instances share a request topic of 100,000 requests; one dies mid-stream with a batch in flight.
 * Nothing is lost: every request gets a correct reply, counted by correlation id. The survivor
 * answers again exactly the records the dead instance had handled but not committed (at most one
 * batch), and those are the only possible duplicate replies. An instance that stops normally
 * answers and commits its batch in flight first, and leaves no duplicates at all.
 */
class InstanceCrashTests {

    private static final Log log = LogFactory.getLog(InstanceCrashTests.class);

    private static final String REQUESTS = "crash-requests";
    private static final String REPLIES = "crash-replies";
    private static final String DEAD_LETTERS = REQUESTS + "-dlt";
    private static final String GROUP = "crash-group";
    private static final int TOTAL = 100_000;
    private static final int BATCH = 500;
    /** The dying instance's kernel hangs at this message, so a batch is in flight when it dies. */
    private static final int HANG_AT = 20_000;

    @Test
    void everyRequestIsAnsweredWhenOneOfTwoInstancesDiesMidStream() throws Exception {
        KafkaTestBroker.createTopics(REQUESTS, REPLIES, DEAD_LETTERS);
        VectorAddTraffic.Probe survivorProbe = VectorAddTraffic.Probe.recording();
        VectorAddTraffic.Probe victimProbe = VectorAddTraffic.Probe.hangingAt(HANG_AT);
        Map<Long, RecordMetadata> sent;
        Map<TopicPartition, Long> committedByVictim;
        try (TestInstance survivor = TestInstance.start(VectorAddTraffic.kernel(survivorProbe), properties("survivor"))) {
            TestInstance victim = TestInstance.start(VectorAddTraffic.kernel(victimProbe), properties("victim"));
            try {
                TestInstance.await("each instance owns two partitions", Duration.ofSeconds(60),
                        () -> assigned(survivor) == 2 && assigned(victim) == 2);
                sent = produceRequests();
                victimProbe.awaitHung();
                // The crash: the victim's kernel dies with a batch in flight, and the application goes
                // away without draining anything.
                victim.kernel(VectorAddTraffic.KERNEL).terminate(Duration.ZERO);
                victim.close();
            } finally {
                victimProbe.release();
                victim.close();
            }
            committedByVictim = CommitRecorder.committedBy("victim");
            TestInstance.await("every request committed by the group", Duration.ofSeconds(120),
                    () -> KafkaTestBroker.fullyCommitted(GROUP, REQUESTS));
            assertThat(survivor.binding(VectorAddTraffic.KERNEL).telemetry().assignedPartitions()).isEqualTo(4);
        }

        List<ConsumerRecord<byte[], byte[]>> replies = KafkaTestBroker.readAll(REPLIES);
        Map<Long, List<ConsumerRecord<byte[], byte[]>>> byCorrelation = replies.stream()
                .collect(Collectors.groupingBy(VectorAddTraffic::correlation));
        assertThat(byCorrelation).as("requests with a reply").hasSize(TOTAL);
        assertThat(replies).allMatch(VectorAddTraffic::isCorrectReply);

        Set<Long> duplicated = byCorrelation.entrySet().stream().filter(e -> e.getValue().size() > 1)
                .map(Map.Entry::getKey).collect(Collectors.toSet());
        Set<Long> uncommittedByVictim = victimProbe.handled().stream()
                .filter(i -> sent.get(i).offset() >= committedByVictim.getOrDefault(partition(sent.get(i)), 0L))
                .collect(Collectors.toSet());
        Set<Long> handledTwice = new HashSet<>(victimProbe.handled());
        handledTwice.retainAll(survivorProbe.handled());
        log.info("Victim handled " + victimProbe.handled().size() + " requests, committed " + committedByVictim
                + "; uncommitted when it died: " + uncommittedByVictim.size() + "; handled by both instances: "
                + handledTwice.size() + "; duplicate replies: " + duplicated.size() + " (" + replies.size()
                + " replies to " + TOTAL + " requests)");

        assertThat(handledTwice).as("answered again by the survivor").isEqualTo(uncommittedByVictim);
        assertThat(uncommittedByVictim).as("the victim's uncommitted window").hasSizeLessThan(BATCH);
        assertThat(duplicated).as("requests with two replies").isSubsetOf(uncommittedByVictim);
        assertThat(byCorrelation.values()).allMatch(r -> r.size() <= 2);
        assertThat(replies).hasSize(TOTAL + duplicated.size());
        assertThat(KafkaTestBroker.endOffsets(DEAD_LETTERS).values()).containsOnly(0L);
    }

    @Test
    void anInstanceThatStopsGracefullyMidStreamLeavesNoDuplicates() throws Exception {
        String requests = "graceful-requests";
        String replies = "graceful-replies";
        String group = "graceful-group";
        int total = 30_000;
        KafkaTestBroker.createTopics(requests, replies);
        String[] properties = {
            "ringkernel.kernels.vector-add.kafka.request-topic=" + requests,
            "ringkernel.kernels.vector-add.kafka.reply-topic=" + replies,
            "ringkernel.kernels.vector-add.kafka.group-id=" + group,
            "ringkernel.kernels.vector-add.kafka.batch-size=" + BATCH };
        try (TestInstance staying = TestInstance.start(VectorAddTraffic.kernel(VectorAddTraffic.Probe.recording()),
                properties)) {
            TestInstance leaving = TestInstance.start(VectorAddTraffic.kernel(VectorAddTraffic.Probe.recording()),
                    properties);
            try (KafkaProducer<byte[], byte[]> producer = KafkaTestBroker.producer()) {
                TestInstance.await("each instance owns two partitions", Duration.ofSeconds(60),
                        () -> assigned(staying) == 2 && assigned(leaving) == 2);
                for (long i = 0; i < total; i++) {
                    producer.send(VectorAddTraffic.record(requests, i));
                }
                producer.flush();
                TestInstance.await("the leaving instance busy", Duration.ofSeconds(60),
                        () -> leaving.binding(VectorAddTraffic.KERNEL).telemetry().replied() >= total / 8);
            } finally {
                // A normal shutdown: the binding answers and commits its batch in flight, then the kernel drains.
                leaving.close();
            }
            TestInstance.await("every request committed by the group", Duration.ofSeconds(120),
                    () -> KafkaTestBroker.fullyCommitted(group, requests));
        }
        List<ConsumerRecord<byte[], byte[]>> answered = KafkaTestBroker.readAll(replies);
        assertThat(answered.stream().map(VectorAddTraffic::correlation).collect(Collectors.toSet())).hasSize(total);
        assertThat(answered).as("one reply per request, no duplicates").hasSize(total)
                .allMatch(VectorAddTraffic::isCorrectReply);
    }

    private static String[] properties(String instance) {
        return new String[] {
            "ringkernel.kernels.vector-add.kafka.request-topic=" + REQUESTS,
            "ringkernel.kernels.vector-add.kafka.reply-topic=" + REPLIES,
            "ringkernel.kernels.vector-add.kafka.group-id=" + GROUP,
            "ringkernel.kernels.vector-add.kafka.batch-size=" + BATCH,
            "spring.kafka.consumer.properties.interceptor.classes=" + CommitRecorder.class.getName(),
            "spring.kafka.consumer.properties." + CommitRecorder.INSTANCE + "=" + instance };
    }

    private static int assigned(TestInstance instance) {
        return instance.binding(VectorAddTraffic.KERNEL).telemetry().assignedPartitions();
    }

    private static Map<Long, RecordMetadata> produceRequests() throws Exception {
        List<Future<RecordMetadata>> pending = new ArrayList<>(TOTAL);
        try (KafkaProducer<byte[], byte[]> producer = KafkaTestBroker.producer()) {
            for (long i = 0; i < TOTAL; i++) {
                pending.add(producer.send(VectorAddTraffic.record(REQUESTS, i)));
            }
        }
        Map<Long, RecordMetadata> sent = new HashMap<>();
        for (int i = 0; i < TOTAL; i++) {
            sent.put((long) i, pending.get(i).get());
        }
        return sent;
    }

    private static TopicPartition partition(RecordMetadata m) {
        return new TopicPartition(m.topic(), m.partition());
    }
}
