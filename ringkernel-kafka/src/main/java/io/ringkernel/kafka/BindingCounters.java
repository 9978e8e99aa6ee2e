package io.ringkernel.kafka;

import java.util.concurrent.atomic.LongAdder;

/**
 * The counters of one binding, written by its consumer threads and read by telemetry.
 *
 * <p>Thread-safety: thread-safe.
 */
final class BindingCounters {

    final LongAdder consumed = new LongAdder();
    final LongAdder replied = new LongAdder();
    final LongAdder deadLettered = new LongAdder();
    final LongAdder redelivered = new LongAdder();
    final LongAdder abandonedBatches = new LongAdder();
    volatile String lastError;

    void abandoned(RuntimeException cause) {
        abandonedBatches.increment();
        lastError = cause.getMessage();
    }
}
