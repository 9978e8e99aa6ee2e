package io.ringkernel.kafka;

/**
 * A point-in-time view of one kernel's Kafka binding in this application instance, shown next to
 * the kernel's queue depth by the {@code ringkernels} endpoint and as {@code ringkernel.kafka.*}
 * meters. Immutable.
 *
 * @param requestTopic topic the requests come from
 * @param groupId consumer group
 * @param running whether the binding's consumers are running
 * @param assignedPartitions request partitions assigned to this instance now
 * @param lag records in the assigned partitions that this instance has not fetched yet (log end
 *     offset minus position, as of the last fetch; the batch in flight is not counted)
 * @param consumed records received, redeliveries included
 * @param replied replies produced and acknowledged in answered batches (an abandoned batch's
 *     replies are not counted, although some of them may have reached the reply topic)
 * @param deadLettered records sent to the dead-letter topic (undecodable, or the handler failed)
 * @param redelivered records handed to the kernel a second time by this instance, because the
 *     batch they were in was abandoned and delivered again
 * @param abandonedBatches batches given up without committing their offsets (kernel stopped,
 *     batch refused, reply or dead letter not acknowledged)
 * @param lastError the last reason a batch was abandoned, or {@code null}
 */
public record KafkaBindingTelemetry(String requestTopic, String groupId, boolean running, int assignedPartitions,
        long lag, long consumed, long replied, long deadLettered, long redelivered, long abandonedBatches,
        String lastError) {
}
