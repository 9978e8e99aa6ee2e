package io.ringkernel;

import io.ringkernel.layout.BufferHandle;
import io.ringkernel.memory.MemoryRegion;

/**
 * What a CPU handler can reach besides its message: its buffers, and the kernels and topics it is
 * linked to. Valid only on the kernel's dispatch thread, during the handler call.
 */
public interface KernelContext {

    /** The kernel's id. */
    String kernelId();

    /**
     * The memory behind a buffer handle allocated with {@link RingKernel#allocateBuffer(long)}.
     *
     * @throws IllegalArgumentException if the handle is not a live buffer of this kernel
     */
    MemoryRegion buffer(BufferHandle handle);

    /**
     * Sends {@code message} one-way to kernel {@code kernel}, which this kernel declared with
     * {@link RingKernelDefinition.Builder#linksTo}, straight into its request ring under its
     * backpressure policy (BLOCK waits up to its block timeout, helping it along).
     *
     * @return {@code false} if the target dropped it (DROP_NEWEST, ring full), counted on the link and the target
     * @throws IllegalArgumentException if no such link was declared or the message is not its type
     * @throws MessageRejectedException if the target refused it; thrown out of the handler it fails
     *         the current message with this cause
     * @throws UnsupportedOperationException if the kernel was not created in an {@code io.ringkernel.graph.KernelNetwork}
     */
    boolean send(String kernel, Object message);

    /**
     * Hands the current request over to linked kernel {@code kernel} with {@code message}: the reply
     * of that kernel (or of the kernel it forwards to in turn) completes the original caller's future,
     * and this handler's return value is ignored. The target must answer this kernel's response
     * type. Never drops: a target that would drop or refuse makes this throw, so the caller's future
     * fails with the cause instead of waiting forever. At most once per message. For a one-way
     * message it is a {@link #send}.
     *
     * @throws IllegalStateException if already forwarded, or if the target answers another type
     * @throws MessageRejectedException if the target dropped or refused it
     */
    void forward(String kernel, Object message);

    /**
     * Publishes {@code message} one-way to every kernel that subscribes to {@code topic}, once each,
     * under each subscriber's backpressure policy; one subscriber refusing does not stop the others.
     *
     * @return how many subscribers accepted it (a drop is counted on the route and the subscriber)
     * @throws IllegalArgumentException if this kernel did not declare {@link RingKernelDefinition.Builder#publishesTo} for it
     * @throws MessageRejectedException after delivering to the others, if any subscriber refused it
     */
    int publish(String topic, Object message);
}
