package io.ringkernel.telemetry;

/**
 * Round-trip latency distribution of {@code send} calls (from claim to reply), in nanoseconds.
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
