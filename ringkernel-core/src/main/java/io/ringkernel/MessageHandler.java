package io.ringkernel;

/**
 * What a kernel does with one message on the CPU backend. Runs on the kernel's dispatch thread, one
 * message at a time, so it needs no synchronisation of its own. An exception fails that message's
 * future (or is counted for {@code tell}) and the kernel keeps serving.
 *
 * @param <I> request record
 * @param <O> response record
 */
@FunctionalInterface
public interface MessageHandler<I, O> {

    /**
     * @param message the decoded request
     * @param context the kernel's context (buffer access, id)
     * @return the response, never {@code null}
     */
    O handle(I message, KernelContext context) throws Exception;
}
