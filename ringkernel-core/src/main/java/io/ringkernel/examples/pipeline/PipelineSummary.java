package io.ringkernel.examples.pipeline;

/**
 * The aggregate stage's answer to the caller of the first stage.
 *
 * @param sensor the sensor
 * @param count readings of this sensor so far
 * @param sum their sum, added in the order they arrived
 * @param max the largest
 * @param anomaly whether this reading was published as an alert
 * @param hopNanos from the previous stage's send to this stage's poll seeing the message (0 if
 *        the reading came straight from the host)
 * @param pollNanos on CUDA, how long the aggregate stage's poll that found the message took, from
 *        issuing its loads to all of them returning (device clock); 0 on the CPU
 * @param stageNanos how long the aggregate stage took from seeing the reading (its poll on CUDA, the
 *        handler's start on the CPU) to publishing the alert of an anomaly, or to answering otherwise
 */
public record PipelineSummary(long sensor, long count, double sum, double max, boolean anomaly, long hopNanos,
        long pollNanos, long stageNanos) {
}
