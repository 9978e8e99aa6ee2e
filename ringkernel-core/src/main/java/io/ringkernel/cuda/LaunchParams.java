package io.ringkernel.cuda;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

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
 */
record LaunchParams(long requests, long responses, long control, long stateTable, int capacity, int requestWords,
        int responseWords, int window, int stateSlots, int idleSleepNanos) {

    static final int BYTES = 56;

    byte[] toBytes() {
        ByteBuffer b = ByteBuffer.allocate(BYTES).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(requests).putLong(responses).putLong(control).putLong(stateTable);
        b.putInt(Integer.numberOfTrailingZeros(capacity)).putInt(requestWords).putInt(responseWords).putInt(window)
                .putInt(stateSlots).putInt(idleSleepNanos);
        return b.array();
    }
}
