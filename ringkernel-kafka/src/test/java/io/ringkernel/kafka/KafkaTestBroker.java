package io.ringkernel.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;

import org.apache.kafka.clients.admin.AdminClient;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;

/**
 * One embedded KRaft broker for every test in the JVM (starting one costs seconds on a small
 * machine), with plain Kafka clients for the test side: producing requests, reading a topic to its
 * end, and comparing a group's committed offsets with the log end.
 */
public final class KafkaTestBroker {

    /** Partitions of every test topic. */
    public static final int PARTITIONS = 4;

    private static EmbeddedKafkaKraftBroker broker;

    private KafkaTestBroker() {
    }

    /** The broker's bootstrap servers, starting it on first use. */
    public static synchronized String bootstrapServers() {
        if (broker == null) {
            EmbeddedKafkaKraftBroker b = new EmbeddedKafkaKraftBroker(1, PARTITIONS);
            // Few offsets partitions: the first group coordinator lookup creates them all.
            b.brokerProperty("offsets.topic.num.partitions", "4");
            b.afterPropertiesSet();
            Runtime.getRuntime().addShutdownHook(new Thread(b::destroy, "embedded-kafka-shutdown"));
            broker = b;
        }
        return broker.getBrokersAsString();
    }

    /** Creates topics of {@link #PARTITIONS} partitions. */
    public static void createTopics(String... topics) {
        bootstrapServers();
        List<NewTopic> newTopics = new ArrayList<>();
        for (String t : topics) {
            newTopics.add(new NewTopic(t, PARTITIONS, (short) 1));
        }
        broker.addTopics(newTopics.toArray(NewTopic[]::new));
        // Creation returns before the broker leads the new partitions; a producer that starts at once
        // gets NOT_LEADER_OR_FOLLOWER. Listing offsets needs the leader, so it waits for leadership.
        for (String t : topics) {
            TestInstance.await("a leader for every partition of " + t, Duration.ofSeconds(30), () -> {
                try {
                    return endOffsets(t).size() == PARTITIONS;
                } catch (IllegalStateException e) {
                    return false;
                }
            });
        }
    }

    /** A producer of byte-array records that waits for every replica. */
    public static KafkaProducer<byte[], byte[]> producer() {
        Map<String, Object> config = new HashMap<>();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        return new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer());
    }

    /** Every record of {@code topic}, up to its end now, partition by partition in offset order. */
    public static List<ConsumerRecord<byte[], byte[]>> readAll(String topic) {
        Map<TopicPartition, Long> end = endOffsets(topic);
        Map<String, Object> config = new HashMap<>();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5_000);
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            consumer.assign(end.keySet());
            consumer.seekToBeginning(end.keySet());
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (end.entrySet().stream().anyMatch(e -> consumer.position(e.getKey()) < e.getValue())) {
                if (System.nanoTime() - deadline > 0) {
                    throw new AssertionError("could not read " + topic + " to its end " + end);
                }
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
        }
        records.sort((x, y) -> x.partition() != y.partition() ? Integer.compare(x.partition(), y.partition())
                : Long.compare(x.offset(), y.offset()));
        return records;
    }

    /** The log end offset of every partition of {@code topic}. */
    public static Map<TopicPartition, Long> endOffsets(String topic) {
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        for (int p = 0; p < PARTITIONS; p++) {
            latest.put(new TopicPartition(topic, p), OffsetSpec.latest());
        }
        return admin(a -> {
            Map<TopicPartition, Long> end = new HashMap<>();
            a.listOffsets(latest).all().get().forEach((tp, info) -> end.put(tp, info.offset()));
            return end;
        });
    }

    /** The offsets {@code group} has committed for {@code topic} (absent partitions: nothing committed). */
    public static Map<TopicPartition, Long> committed(String group, String topic) {
        return admin(a -> {
            Map<TopicPartition, Long> committed = new HashMap<>();
            Map<TopicPartition, OffsetAndMetadata> all = a.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata().get();
            all.forEach((tp, om) -> {
                if (tp.topic().equals(topic) && om != null) {
                    committed.put(tp, om.offset());
                }
            });
            return committed;
        });
    }

    /** The members of {@code group} and their assignments. */
    public static ConsumerGroupDescription describeGroup(String group) {
        return admin(a -> a.describeConsumerGroups(List.of(group)).describedGroups().get(group).get());
    }

    /** Whether {@code group} has committed every record of {@code topic}: nothing is left to answer. */
    public static boolean fullyCommitted(String group, String topic) {
        Map<TopicPartition, Long> committed = committed(group, topic);
        return endOffsets(topic).entrySet().stream()
                .allMatch(e -> committed.getOrDefault(e.getKey(), 0L) >= e.getValue());
    }

    private static <T> T admin(AdminCall<T> call) {
        bootstrapServers();
        return broker.doWithAdminFunction(a -> {
            try {
                return call.apply(a);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            } catch (ExecutionException e) {
                throw new IllegalStateException(e.getCause());
            }
        });
    }

    @FunctionalInterface
    private interface AdminCall<T> {
        T apply(AdminClient admin) throws InterruptedException, ExecutionException;
    }
}
