package io.ringkernel.kafka;

import io.ringkernel.KernelContext;
import io.ringkernel.RingKernelDefinition;
import io.ringkernel.StatefulHandler;
import io.ringkernel.layout.Key;

/** A stateful kernel keyed by {@link Count#key()}: each message counts one more for its key. */
public final class RunningCount {

    static final String KERNEL = "running-count";

    private RunningCount() {
    }

    /**
     * One event of a key.
     *
     * @param key the key (the record key too)
     * @param sequence the event's number within its key, from 0
     */
    public record Count(@Key long key, long sequence) {
    }

    /**
     * A key's state.
     *
     * @param count events seen
     * @param lastSequence sequence of the last event seen, -1 before the first
     */
    public record Tally(long count, long lastSequence) {
    }

    /**
     * The reply to one event.
     *
     * @param key the key
     * @param sequence the event's sequence
     * @param count events of the key seen by this kernel, this one included
     * @param previousSequence the sequence of the event seen before this one, -1 if none
     */
    public record Counted(long key, long sequence, long count, long previousSequence) {
    }

    static RingKernelDefinition<Count, Counted> kernel() {
        return RingKernelDefinition.builder(KERNEL, Count.class, Counted.class)
                .statefulHandler(Tally.class, new StatefulHandler<Tally, Count, Counted>() {
                    @Override
                    public Tally initialState(long key) {
                        return new Tally(0, -1);
                    }

                    @Override
                    public Counted handle(Count message, State<Tally> state, KernelContext context) {
                        Tally before = state.get();
                        state.set(new Tally(before.count() + 1, message.sequence()));
                        return new Counted(message.key(), message.sequence(), before.count() + 1, before.lastSequence());
                    }
                })
                .build();
    }
}
