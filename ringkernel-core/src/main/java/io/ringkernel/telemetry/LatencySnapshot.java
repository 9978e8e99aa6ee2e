package io.ringkernel.telemetry;

/**
 * Round-trip latency distribution of requests (from publishing the request to dispatching its reply
 * on the host), in nanoseconds. A batch's requests share the clock reading of the run of slots they
 * were published in, and the replies of a burst share one reading per 16 replies.
 *
 * @param count replies measured
 * @param p50 median
 * @param p90 90th percentile
 * @param p99 99th percentile
 * @param p999 99.9th percentile
 * @param max largest
 * @param mean arithmetic mean
 */
public record LatencySnapshot(long count, long p50, long p90, long p99, long p999, long max, double mean) {

    /** No measurements yet. */
    public static final LatencySnapshot EMPTY = new LatencySnapshot(0, 0, 0, 0, 0, 0, 0);
}
