package io.ringkernel.cuda;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/**
 * The persistent kernel's single parameter, byte for byte the {@code rk_params} struct of
 * {@code rk_loop.cuh} (which static_asserts the same size).
 *
 * @param requests device address of the request ring region
 * @param responses device address of the response ring region
 * @param control device address of the control block
 * @param stateTable device address of the state table, or 0
 * @param capacity ring capacity (power of two)
 * @param requestWords 64-bit words per request slot
 * @param responseWords 64-bit words per response slot
 * @param window most request slots read per poll
 * @param stateSlots state-table entries, or 0
 * @param idleSleepNanos sleep per pass while inactive
 * @param local device memory of a two-block kernel (its intake ring after 256 bytes), or 0
 * @param linkStats device address of the kernel's link counters, or 0 outside a network
 * @param launchId new for every launch, its low 24 bits never 0
 * @param selfOrigin the origin a forward of the kernel's own caller's request carries
 * @param in incoming rings, the intake ring first; empty for a one-block kernel
 * @param out outgoing rings: the declared links, then each topic's subscribers
 * @param topicFirst per topic, the index in {@code out} of its first subscriber
 * @param topicSize per topic, its number of subscribers
 */
record LaunchParams(long requests, long responses, long control, long stateTable, int capacity, int requestWords,
        int responseWords, int window, int stateSlots, int idleSleepNanos, long local, long linkStats, long launchId,
        int selfOrigin, List<Edge> in, List<Edge> out, int[] topicFirst, int[] topicSize) {

    static final int BYTES = 1184;
    static final int EDGE_BYTES = 32;

    /**
     * One ring between kernels: {@code rk_edge}.
     *
     * @param ring device address of its header
     * @param capacity its slots (power of two)
     * @param words 64-bit words per slot
     * @param policy the target's backpressure: 0 block, 1 reject, 2 drop newest
     * @param flags 1 forwardable, 2 system-scope memory (peer or host)
     * @param blockTimeoutNanos longest wait for room under BLOCK
     */
    record Edge(long ring, int capacity, int words, int policy, int flags, long blockTimeoutNanos) {
    }

    LaunchParams {
        if (in.size() > DeviceLinks.MAX_IN || out.size() > DeviceLinks.MAX_OUT || topicFirst.length > DeviceLinks.MAX_TOPICS) {
            throw new IllegalArgumentException("too many links for one launch: " + in.size() + " in, " + out.size() + " out, "
                    + topicFirst.length + " topics");
        }
    }

    byte[] toBytes() {
        ByteBuffer b = ByteBuffer.allocate(BYTES).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(requests).putLong(responses).putLong(control).putLong(stateTable);
        b.putInt(Integer.numberOfTrailingZeros(capacity)).putInt(requestWords).putInt(responseWords).putInt(window)
                .putInt(stateSlots).putInt(idleSleepNanos);
        b.putLong(local).putLong(linkStats).putLong(launchId);
        b.putInt(selfOrigin).putInt(in.size()).putInt(out.size()).putInt(topicFirst.length);
        for (int t = 0; t < DeviceLinks.MAX_TOPICS; t++) {
            b.putInt(t < topicFirst.length ? topicFirst[t] : 0);
        }
        for (int t = 0; t < DeviceLinks.MAX_TOPICS; t++) {
            b.putInt(t < topicSize.length ? topicSize[t] : 0);
        }
        putEdges(b, out, DeviceLinks.MAX_OUT);
        putEdges(b, in, DeviceLinks.MAX_IN);
        return b.array();
    }

    private static void putEdges(ByteBuffer b, List<Edge> edges, int slots) {
        for (int i = 0; i < slots; i++) {
            if (i < edges.size()) {
                Edge e = edges.get(i);
                b.putLong(e.ring).putInt(Integer.numberOfTrailingZeros(e.capacity)).putInt(e.words).putInt(e.policy)
                        .putInt(e.flags).putLong(e.blockTimeoutNanos);
            } else {
                b.position(b.position() + EDGE_BYTES);
            }
        }
    }
}
