package io.ringkernel.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;

import io.ringkernel.RingKernel;

/**
 * When the kernel stops under a bound instance, the batch it was answering is abandoned without
 * committing its offsets, and the same instance takes it again once the kernel is back: nothing is
 * lost, and the instance counts the records it handed to the kernel twice.
 */
class KernelRestartTests {

    private static final String REQUESTS = "restart-requests";
    private static final String REPLIES = "restart-replies";
    private static final String GROUP = "restart-group";
    private static final int TOTAL = 1_000;
    private static final int BATCH = 100;

    @Test
    void aBatchAbandonedWhenTheKernelStopsIsDeliveredAgainOnceTheKernelIsBack() throws Exception {
        KafkaTestBroker.createTopics(REQUESTS, REPLIES);
        VectorAddTraffic.Probe probe = VectorAddTraffic.Probe.hangingAt(300);
        try (TestInstance instance = TestInstance.start(VectorAddTraffic.kernel(probe),
                "ringkernel.kernels.vector-add.kafka.request-topic=" + REQUESTS,
                "ringkernel.kernels.vector-add.kafka.reply-topic=" + REPLIES,
                "ringkernel.kernels.vector-add.kafka.group-id=" + GROUP,
                "ringkernel.kernels.vector-add.kafka.batch-size=" + BATCH);
                KafkaProducer<byte[], byte[]> producer = KafkaTestBroker.producer()) {
            for (long i = 0; i < TOTAL; i++) {
                producer.send(VectorAddTraffic.record(REQUESTS, i));
            }
            producer.flush();
            probe.awaitHung();
            RingKernel<?, ?> kernel = instance.kernel(VectorAddTraffic.KERNEL);
            kernel.terminate(Duration.ZERO);
            probe.release();
            KafkaKernelBinding<?, ?> binding = instance.binding(VectorAddTraffic.KERNEL);
            TestInstance.await("the batch in flight abandoned", Duration.ofSeconds(30),
                    () -> binding.telemetry().abandonedBatches() > 0);

            kernel.launch();
            kernel.activate();
            TestInstance.await("every request committed", Duration.ofSeconds(60),
                    () -> KafkaTestBroker.fullyCommitted(GROUP, REQUESTS));

            KafkaBindingTelemetry t = binding.telemetry();
            assertThat(t.lastError()).contains("vector-add");
            assertThat(t.redelivered()).isBetween(1L, (long) BATCH);
            assertThat(t.replied()).as("replies of answered batches").isEqualTo(TOTAL);
            assertThat(t.deadLettered()).isZero();
        }
        List<ConsumerRecord<byte[], byte[]>> replies = KafkaTestBroker.readAll(REPLIES);
        Map<Long, List<ConsumerRecord<byte[], byte[]>>> byCorrelation = replies.stream()
                .collect(Collectors.groupingBy(VectorAddTraffic::correlation));
        assertThat(byCorrelation).hasSize(TOTAL);
        assertThat(replies).allMatch(VectorAddTraffic::isCorrectReply);
        assertThat(replies.size() - TOTAL).as("duplicate replies").isLessThanOrEqualTo(BATCH);
    }
}
