package io.ringkernel.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.MeterRegistry;

import io.ringkernel.actuate.endpoint.RingKernelsEndpoint;

/**
 * The consumer lag of a bound kernel shows next to its queue depth: in the {@code ringkernels}
 * endpoint (under {@code details.kafka}) and as the {@code ringkernel.kafka.lag} meter, tagged
 * with the kernel like {@code ringkernel.queue.requests.depth}.
 */
class KafkaTelemetryTests {

    private static final String REQUESTS = "telemetry-requests";
    private static final String REPLIES = "telemetry-replies";
    private static final int TOTAL = 1_000;

    @Test
    void consumerLagIsReportedNextToTheQueueDepthAndDrainsToZero() throws Exception {
        KafkaTestBroker.createTopics(REQUESTS, REPLIES);
        try (KafkaProducer<byte[], byte[]> producer = KafkaTestBroker.producer()) {
            for (long i = 0; i < TOTAL; i++) {
                producer.send(VectorAddTraffic.record(REQUESTS, i));
            }
        }
        VectorAddTraffic.Probe probe = VectorAddTraffic.Probe.hangingAt(1);
        try (TestInstance instance = TestInstance.start(VectorAddTraffic.kernel(probe),
                "ringkernel.kernels.vector-add.kafka.request-topic=" + REQUESTS,
                "ringkernel.kernels.vector-add.kafka.reply-topic=" + REPLIES,
                "ringkernel.kernels.vector-add.kafka.batch-size=10")) {
            probe.awaitHung();
            KafkaKernelBinding<?, ?> binding = instance.binding(VectorAddTraffic.KERNEL);
            TestInstance.await("lag of the records behind the batch in flight", Duration.ofSeconds(30),
                    () -> binding.telemetry().lag() > 0);

            RingKernelsEndpoint.KernelDescriptor described = instance.endpoint().kernel(VectorAddTraffic.KERNEL);
            assertThat(described.queues().requestDepth()).isPositive();
            assertThat(described.details().get("kafka")).isInstanceOfSatisfying(KafkaBindingTelemetry.class, kafka -> {
                assertThat(kafka.lag()).isPositive().isLessThan(TOTAL);
                assertThat(kafka.assignedPartitions()).isEqualTo(KafkaTestBroker.PARTITIONS);
                assertThat(kafka.requestTopic()).isEqualTo(REQUESTS);
                assertThat(kafka.groupId()).isEqualTo("ringkernel-vector-add");
            });
            MeterRegistry meters = instance.meters();
            assertThat(meters.get("ringkernel.kafka.lag").tag("kernel", VectorAddTraffic.KERNEL).gauge().value())
                    .isPositive();
            assertThat(meters.get("ringkernel.queue.requests.depth").tag("kernel", VectorAddTraffic.KERNEL).gauge()
                    .value()).isPositive();

            probe.release();
            TestInstance.await("every request answered", Duration.ofSeconds(60),
                    () -> binding.telemetry().replied() == TOTAL);
            assertThat(binding.telemetry().lag()).isZero();
            assertThat(meters.get("ringkernel.kafka.lag").tag("kernel", VectorAddTraffic.KERNEL).gauge().value())
                    .isZero();
            assertThat(meters.get("ringkernel.kafka.records.consumed").tag("kernel", VectorAddTraffic.KERNEL)
                    .functionCounter().count()).isEqualTo(TOTAL);
        }
    }
}
