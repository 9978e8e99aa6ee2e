package io.ringkernel.cpu;

import java.util.List;

import io.ringkernel.RingKernelDefinition;
import io.ringkernel.layout.MaxLength;

/** Test messages: a request echoed back with its value doubled. */
public record Echo(long id, int value, @MaxLength(4) int[] extra) {

    public Echo(long id, int value) {
        this(id, value, new int[0]);
    }

    /** The reply. */
    public record Reply(long id, int doubled) {
    }

    static RingKernelDefinition.Builder<Echo, Reply> kernel(String id) {
        return RingKernelDefinition.builder(id, Echo.class, Reply.class)
                .handler((m, ctx) -> new Reply(m.id(), m.value() * 2));
    }

    /** A kernel that adds every message it handles to {@code seen} (thread-safe) and replies with its id. */
    static RingKernelDefinition.Builder<Echo, Reply> recording(String id, List<Echo> seen) {
        return RingKernelDefinition.builder(id, Echo.class, Reply.class)
                .handler((m, ctx) -> {
                    seen.add(m);
                    return new Reply(m.id(), 0);
                });
    }
}
