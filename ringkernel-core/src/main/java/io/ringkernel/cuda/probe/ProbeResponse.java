package io.ringkernel.cuda.probe;

/**
 * The 32-byte reply to a {@link ProbeRequest}.
 *
 * @param sequence the request's sequence
 * @param checksum checksum recomputed by the handler
 * @param valid 1 if it matched the request's checksum (the slot was read whole), else 0
 * @param pollNanos CUDA: how long the device's poll read that found the message took; CPU: 0
 * @param deviceNanos CUDA: from that read's return to the handler; CPU: 0
 * @param handledAt CUDA: the device clock ({@code %globaltimer}, ns) in the handler, which places
 *        the device's part of a round trip against the host's clock; CPU: 0
 */
public record ProbeResponse(long sequence, int checksum, int valid, int pollNanos, int deviceNanos, long handledAt) {
}
