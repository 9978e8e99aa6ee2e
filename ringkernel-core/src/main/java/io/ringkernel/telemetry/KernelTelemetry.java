package io.ringkernel.telemetry;

import io.ringkernel.KernelState;

/**
 * A point-in-time view of one kernel, read from host-side counters and the shared control block
 * without stopping or waiting on the kernel.
 *
 * @param kernelId kernel id
 * @param backend backend name
 * @param device device name
 * @param state lifecycle state
 * @param requestDepth requests queued (claimed, not yet taken by the kernel)
 * @param requestCapacity request ring capacity
 * @param responseDepth replies written by the kernel, not yet dispatched to futures
 * @param responseCapacity response ring capacity
 * @param accepted messages accepted by send, tell, batch and commit
 * @param processed messages the kernel has handled (successfully or not)
 * @param completed replies completed normally
 * @param failed messages whose handler failed, and accepted messages failed by termination or fault
 * @param rejected messages refused (REJECT or BLOCK timeout, or trySend with a full ring)
 * @param dropped messages dropped under DROP_NEWEST
 * @param latency round-trip latency of {@code send} since launch
 * @param heartbeatAgeNanos time since the kernel loop last proved it was alive; -1 when not running
 * @param lastError description of the last handler or kernel failure, or {@code null}
 */
public record KernelTelemetry(
        String kernelId,
        String backend,
        String device,
        KernelState state,
        int requestDepth,
        int requestCapacity,
        int responseDepth,
        int responseCapacity,
        long accepted,
        long processed,
        long completed,
        long failed,
        long rejected,
        long dropped,
        LatencySnapshot latency,
        long heartbeatAgeNanos,
        String lastError) {
}
