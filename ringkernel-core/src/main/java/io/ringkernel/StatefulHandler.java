package io.ringkernel;

/**
 * A handler with per-key state: the request record marks one component {@link io.ringkernel.layout.Key};
 * messages of one key see one state, in the order they were sent. The state is a message-layout
 * record too, so the CUDA backend can keep it in device memory as the same C struct.
 *
 * @param <S> state record
 * @param <I> request record
 * @param <O> response record
 */
public interface StatefulHandler<S, I, O> {

    /** The state of a key seen for the first time. */
    S initialState(long key);

    /**
     * Handles one message.
     *
     * @param message the request
     * @param state the key's current state; {@link State#set} stores the next one
     */
    O handle(I message, State<S> state, KernelContext context) throws Exception;

    /**
     * A key's state cell, valid during one {@link #handle} call.
     *
     * @param <S> state record
     */
    interface State<S> {

        long key();

        S get();

        void set(S next);
    }
}
