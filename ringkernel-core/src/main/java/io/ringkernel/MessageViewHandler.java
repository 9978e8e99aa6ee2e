package io.ringkernel;

/**
 * A stateless CPU handler that reads its request in place through a {@link MessageView} instead of
 * receiving it decoded into a record: no record, no array copy and no allocation per request, which
 * is what a hot one-way stream wants (with {@link RingKernel#claim}/{@link RingKernel#commit} on the
 * sending side, nothing is allocated per message on either thread). Runs on the kernel's dispatch
 * thread, one message at a time, like {@link MessageHandler}; an exception fails that message's
 * future (or is counted for {@code tell}) and the kernel keeps serving.
 *
 * @param <I> request record
 * @param <O> response record
 */
@FunctionalInterface
public interface MessageViewHandler<I, O> {

    /**
     * @param message the request, readable only during this call
     * @param context the kernel's context (buffer access, id, links)
     * @return the response, never {@code null} when the request expects one; it is encoded into the
     *         response ring before the next message is read, so the same record may be returned again
     *         later. For a one-way request the return value is ignored.
     */
    O handle(MessageView<I> message, KernelContext context) throws Exception;
}
