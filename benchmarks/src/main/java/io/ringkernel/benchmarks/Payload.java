package io.ringkernel.benchmarks;

import java.time.Duration;

import org.agrona.concurrent.BusySpinIdleStrategy;

import io.ringkernel.RingKernelDefinition;
import io.ringkernel.layout.Length;

/**
 * The 64-byte message every benchmark carries, ours and the baselines'.
 *
 * @param words eight longs
 */
public record Payload(@Length(8) long[] words) {

    static Payload of(long seed) {
        long[] w = new long[8];
        for (int i = 0; i < 8; i++) {
            w[i] = seed + i;
        }
        return new Payload(w);
    }

    /**
     * Echo kernel: replies with the request. Like the baselines' threads it busy-spins (the default
     * idle strategy backs off to parking, which trades latency for an idle core).
     */
    static RingKernelDefinition<Payload, Payload> echo(String id, int capacity) {
        return RingKernelDefinition.builder(id, Payload.class, Payload.class)
                .capacity(capacity)
                .idleStrategy(BusySpinIdleStrategy::new)
                .replySpin(Duration.ofMillis(1))
                .handler((m, ctx) -> m)
                .build();
    }
}
