package io.ringkernel.kafka;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.function.ToDoubleFunction;

import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.Banner;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.kafka.autoconfigure.KafkaAutoConfiguration;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.support.KafkaHeaders;

import io.ringkernel.examples.VectorAddKernels;
import io.ringkernel.examples.VectorAddRequest;

/**
 * End-to-end throughput and latency of VectorAdd requests through Kafka: ring kernels bound to a
 * request topic (CPU backend) with one and two application instances, against a plain Spring
 * Kafka batch {@code @KafkaListener} doing the same work on the CPU with the same delivery
 * guarantee (replies acknowledged before the batch's offsets are committed), in the same run,
 * against the same embedded broker.
 *
 * <p>Per setup: a warm-up, then a <b>throughput</b> phase (requests sent as fast as the producer
 * goes; throughput = requests / time from the first send to the last reply) and a <b>latency</b>
 * phase (requests paced at a fixed rate below every setup's capacity; latency = reply received
 * minus request sent, both in this JVM). Broker, instances, load generator and reply observer all
 * share one JVM and machine, so the numbers compare the setups with each other, not with a real
 * cluster. Each run starts a fresh JVM; rows are medians over the runs. Run:
 * {@code mvn -pl ringkernel-kafka -am -Pkafka-benchmark -DskipTests verify} (arguments:
 * {@code -Dbenchmark.args="requests=100000 rate=2000 seconds=10 runs=3"}).
 */
public final class KafkaScaleOutBenchmark {

    private static final int WARM_UP = 20_000;
    private static final int BATCH = 500;
    private static final String RESULT = "RESULT ";

    private KafkaScaleOutBenchmark() {
    }

    /**
     * Runs every setup with 1 and 2 instances, {@code runs} times in rotating order, each in a
     * fresh JVM (so no setup inherits another's JIT or heap), and prints medians.
     */
    public static void main(String[] args) throws Exception {
        Map<String, String> options = new HashMap<>(Map.of("requests", "100000", "rate", "2000", "seconds", "10",
                "runs", "3"));
        for (String a : args) {
            String[] kv = a.split("=", 2);
            options.put(kv[0], kv[1]);
        }
        int requests = Integer.parseInt(options.get("requests"));
        int rate = Integer.parseInt(options.get("rate"));
        int seconds = Integer.parseInt(options.get("seconds"));
        if (options.containsKey("child")) {
            String[] scenario = options.get("child").split(":");
            Result r = measure(Setup.valueOf(scenario[0]), Integer.parseInt(scenario[1]), requests, rate, seconds);
            System.out.println(RESULT + r.throughput() + " " + r.p50() + " " + r.p99() + " " + r.p999() + " " + r.max());
            System.exit(0);
        }
        int runs = Integer.parseInt(options.get("runs"));
        System.out.println("# Kafka scale-out benchmark, " + LocalDate.now() + ", "
                + Runtime.getRuntime().availableProcessors() + " CPUs, Java " + System.getProperty("java.version")
                + ", " + System.getProperty("os.name") + " " + System.getProperty("os.arch"));
        System.out.println("# per run: " + WARM_UP + " warm-up requests, " + requests + " requests for throughput, "
                + rate + "/s for " + seconds + " s for latency; batch " + BATCH + ", 4 partitions; broker, instances,"
                + " load and observer in one JVM; " + runs + " runs per row, each in a fresh JVM");
        List<String> scenarios = new ArrayList<>();
        for (Setup setup : Setup.values()) {
            scenarios.add(setup.name() + ":1");
            scenarios.add(setup.name() + ":2");
        }
        Map<String, List<Result>> results = new HashMap<>();
        for (int run = 0; run < runs; run++) {
            for (int i = 0; i < scenarios.size(); i++) {
                String scenario = scenarios.get((i + run) % scenarios.size());
                Result r = runChild(scenario, requests, rate, seconds);
                System.out.printf("# run %d %s: %,.0f req/s, p50 %.2f ms, p99 %.2f ms%n", run + 1, scenario,
                        r.throughput(), r.p50(), r.p99());
                results.computeIfAbsent(scenario, k -> new ArrayList<>()).add(r);
            }
        }
        System.out.println();
        System.out.println("| setup | instances | throughput, req/s (median, min-max) | p50 (ms) | p99 (ms) | p99.9 (ms)"
                + " | max (ms) |");
        System.out.println("|---|---|---|---|---|---|---|");
        for (String scenario : scenarios) {
            List<Result> rs = results.get(scenario);
            String[] parts = scenario.split(":");
            double[] tp = rs.stream().mapToDouble(Result::throughput).sorted().toArray();
            System.out.printf("| %s | %s | %,.0f (%,.0f-%,.0f) | %.1f | %.1f | %.1f | %.1f |%n",
                    Setup.valueOf(parts[0]).label, parts[1], median(tp), tp[0], tp[tp.length - 1],
                    median(rs, Result::p50), median(rs, Result::p99), median(rs, Result::p999), median(rs, Result::max));
        }
    }

    private static Result runChild(String scenario, int requests, int rate, int seconds) throws Exception {
        Path log = Files.createTempFile("kafka-benchmark-", ".log");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-Xmx1g", "-cp", System.getProperty("java.class.path"),
                KafkaScaleOutBenchmark.class.getName(), "child=" + scenario, "requests=" + requests, "rate=" + rate,
                "seconds=" + seconds)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        if (!p.waitFor(10, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new IllegalStateException(scenario + " did not finish within 10 minutes; see " + log);
        }
        for (String line : Files.readAllLines(log)) {
            if (line.startsWith(RESULT)) {
                String[] v = line.substring(RESULT.length()).split(" ");
                Files.delete(log);
                return new Result(Double.parseDouble(v[0]), Double.parseDouble(v[1]), Double.parseDouble(v[2]),
                        Double.parseDouble(v[3]), Double.parseDouble(v[4]));
            }
        }
        throw new IllegalStateException(scenario + " failed (exit " + p.exitValue() + "); see " + log);
    }

    private static double median(double[] sorted) {
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    private static double median(List<Result> rs, ToDoubleFunction<Result> value) {
        return median(rs.stream().mapToDouble(value).sorted().toArray());
    }

    private static Result measure(Setup setup, int instances, int requests, int rate, int seconds) throws Exception {
        String name = "bench-" + setup.name().toLowerCase() + "-" + instances;
        String requestTopic = name + "-requests";
        String replyTopic = name + "-replies";
        String group = name + "-group";
        KafkaTestBroker.createTopics(requestTopic, replyTopic);
        int total = WARM_UP + requests + rate * seconds;
        long[] sentAt = new long[total];
        try (ReplyObserver observer = new ReplyObserver(replyTopic, total);
                KafkaProducer<byte[], byte[]> producer = KafkaTestBroker.producer()) {
            List<ConfigurableApplicationContext> contexts = new ArrayList<>();
            try {
                for (int i = 0; i < instances; i++) {
                    contexts.add(setup.start(requestTopic, replyTopic, group));
                }
                TestInstance.await(instances + " members own all partitions", Duration.ofSeconds(60),
                        () -> assignedPartitions(group, instances) == KafkaTestBroker.PARTITIONS);
                int next = 0;
                next = sendAsFastAsPossible(producer, requestTopic, sentAt, next, WARM_UP);
                observer.awaitReplies(next);

                long start = System.nanoTime();
                next = sendAsFastAsPossible(producer, requestTopic, sentAt, next, requests);
                observer.awaitReplies(next);
                double throughput = requests / ((observer.lastReplyAt() - start) / 1e9);

                int first = next;
                long period = TimeUnit.SECONDS.toNanos(1) / rate;
                long paceStart = System.nanoTime();
                for (int k = 0; k < rate * seconds; k++) {
                    long due = paceStart + k * period;
                    long wait;
                    while ((wait = due - System.nanoTime()) > 0) {
                        LockSupport.parkNanos(Math.min(wait, 50_000));
                    }
                    send(producer, requestTopic, sentAt, next++);
                }
                observer.awaitReplies(next);
                Histogram latency = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
                for (int id = first; id < next; id++) {
                    latency.recordValue(Math.max(0, observer.receivedAt(id) - sentAt[id]));
                }
                return new Result(throughput, latency.getValueAtPercentile(50) / 1e6,
                        latency.getValueAtPercentile(99) / 1e6, latency.getValueAtPercentile(99.9) / 1e6,
                        latency.getMaxValue() / 1e6);
            } finally {
                contexts.forEach(ConfigurableApplicationContext::close);
            }
        }
    }

    /** One run's throughput (requests/s) and latency percentiles (ms). */
    private record Result(double throughput, double p50, double p99, double p999, double max) {
    }

    private static int sendAsFastAsPossible(KafkaProducer<byte[], byte[]> producer, String topic, long[] sentAt, int from,
            int count) {
        for (int id = from; id < from + count; id++) {
            send(producer, topic, sentAt, id);
        }
        return from + count;
    }

    private static void send(KafkaProducer<byte[], byte[]> producer, String topic, long[] sentAt, int id) {
        ProducerRecord<byte[], byte[]> r = VectorAddTraffic.record(topic, id);
        sentAt[id] = System.nanoTime();
        producer.send(r);
    }

    private static int assignedPartitions(String group, int members) {
        ConsumerGroupDescription d;
        try {
            d = KafkaTestBroker.describeGroup(group);
        } catch (IllegalStateException e) {
            return -1;
        }
        if (d.members().size() != members) {
            return -1;
        }
        int partitions = 0;
        for (MemberDescription m : d.members()) {
            if (m.assignment().topicPartitions().isEmpty()) {
                return -1;
            }
            partitions += m.assignment().topicPartitions().size();
        }
        return partitions;
    }

    /** What answers the requests. */
    private enum Setup {

        RING_KERNEL("ringkernel binding (CPU backend)") {
            @Override
            ConfigurableApplicationContext start(String requests, String replies, String group) {
                return TestInstance.start(VectorAddKernels.inline(VectorAddTraffic.KERNEL).build(),
                        "ringkernel.kernels.vector-add.kafka.request-topic=" + requests,
                        "ringkernel.kernels.vector-add.kafka.reply-topic=" + replies,
                        "ringkernel.kernels.vector-add.kafka.group-id=" + group,
                        "ringkernel.kernels.vector-add.kafka.batch-size=" + BATCH).context();
            }
        },
        PLAIN_LISTENER("plain @KafkaListener (CPU)") {
            @Override
            ConfigurableApplicationContext start(String requests, String replies, String group) {
                String bytesIn = ByteArrayDeserializer.class.getName();
                String bytesOut = ByteArraySerializer.class.getName();
                return new SpringApplicationBuilder(PlainListenerApplication.class)
                        .web(WebApplicationType.NONE)
                        .bannerMode(Banner.Mode.OFF)
                        .logStartupInfo(false)
                        .properties("spring.kafka.bootstrap-servers=" + KafkaTestBroker.bootstrapServers(),
                                "spring.kafka.listener.type=batch", "spring.kafka.listener.ack-mode=batch",
                                "spring.kafka.consumer.group-id=" + group,
                                "spring.kafka.consumer.auto-offset-reset=earliest",
                                "spring.kafka.consumer.enable-auto-commit=false",
                                "spring.kafka.consumer.max-poll-records=" + BATCH,
                                "spring.kafka.consumer.key-deserializer=" + bytesIn,
                                "spring.kafka.consumer.value-deserializer=" + bytesIn,
                                "spring.kafka.producer.key-serializer=" + bytesOut,
                                "spring.kafka.producer.value-serializer=" + bytesOut,
                                "benchmark.requests=" + requests, "benchmark.replies=" + replies)
                        .run();
            }
        };

        private final String label;

        Setup(String label) {
            this.label = label;
        }

        abstract ConfigurableApplicationContext start(String requests, String replies, String group);
    }

    /** The baseline application: Spring Boot's Kafka auto-configuration and one batch listener. */
    @Configuration(proxyBeanMethods = false)
    @ImportAutoConfiguration(KafkaAutoConfiguration.class)
    static class PlainListenerApplication {

        @Bean
        VectorAddListener vectorAddListener(KafkaTemplate<byte[], byte[]> template,
                @Value("${benchmark.replies}") String replies) {
            return new VectorAddListener(template, replies);
        }
    }

    /**
     * VectorAdd in a plain batch listener: decode, add, encode, reply with the correlation id, and
     * return only once every reply is acknowledged, so the container commits answered batches
     * only, the same guarantee as the ring kernel binding.
     */
    static final class VectorAddListener {

        private final KafkaTemplate<byte[], byte[]> template;
        private final String replies;

        VectorAddListener(KafkaTemplate<byte[], byte[]> template, String replies) {
            this.template = template;
            this.replies = replies;
        }

        @KafkaListener(topics = "${benchmark.requests}")
        void onBatch(List<ConsumerRecord<byte[], byte[]>> records) {
            List<CompletableFuture<?>> acks = new ArrayList<>(records.size());
            for (ConsumerRecord<byte[], byte[]> r : records) {
                VectorAddRequest request = RingKernelRecords.decode(VectorAddRequest.class, r.value());
                ProducerRecord<byte[], byte[]> reply = new ProducerRecord<>(replies, r.key(),
                        RingKernelRecords.encode(VectorAddKernels.add(request)));
                reply.headers().add(KafkaHeaders.CORRELATION_ID,
                        r.headers().lastHeader(KafkaHeaders.CORRELATION_ID).value());
                acks.add(template.send(reply));
            }
            template.flush();
            CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).join();
        }
    }

    /** Reads the reply topic on its own thread and notes when each correlation id's first reply arrived. */
    private static final class ReplyObserver implements AutoCloseable {

        private final AtomicLongArray receivedAt;
        private final LongAdder replies = new LongAdder();
        private final LongAdder distinct = new LongAdder();
        private final Thread thread;
        private volatile long lastReplyAt;
        private volatile boolean running = true;

        ReplyObserver(String topic, int capacity) {
            receivedAt = new AtomicLongArray(capacity);
            Map<String, Object> config = new HashMap<>();
            config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaTestBroker.bootstrapServers());
            KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(),
                    new ByteArrayDeserializer());
            List<TopicPartition> partitions = new ArrayList<>();
            for (int p = 0; p < KafkaTestBroker.PARTITIONS; p++) {
                partitions.add(new TopicPartition(topic, p));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            thread = new Thread(() -> {
                try (consumer) {
                    while (running) {
                        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                            long now = System.nanoTime();
                            Header h = r.headers().lastHeader(KafkaHeaders.CORRELATION_ID);
                            int id = (int) ByteBuffer.wrap(h.value()).getLong();
                            replies.increment();
                            if (receivedAt.compareAndSet(id, 0, now)) {
                                distinct.increment();
                                lastReplyAt = now;
                            }
                        }
                    }
                }
            }, "benchmark-reply-observer");
            thread.setDaemon(true);
            thread.start();
        }

        void awaitReplies(int count) {
            TestInstance.await(count + " distinct replies", Duration.ofMinutes(5), () -> distinct.sum() >= count);
        }

        long lastReplyAt() {
            return lastReplyAt;
        }

        long receivedAt(int id) {
            return receivedAt.get(id);
        }

        long replies() {
            return replies.sum();
        }

        @Override
        public void close() throws InterruptedException {
            running = false;
            thread.join();
        }
    }
}
