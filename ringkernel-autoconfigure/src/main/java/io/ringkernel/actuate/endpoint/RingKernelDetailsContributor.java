package io.ringkernel.actuate.endpoint;

/**
 * Adds one concern's details to each kernel reported by the {@link RingKernelsEndpoint}, under
 * {@code details.<name>} next to the kernel's queues and counters; for example the consumer lag of
 * a kernel fed by Kafka. Beans of this type are picked up by the endpoint's auto-configuration.
 *
 * <p>Implementations are called on every endpoint read and must be thread-safe and cheap: read
 * cached state, never wait on a device or a broker.
 */
public interface RingKernelDetailsContributor {

    /** The key the details appear under in each kernel's {@code details}. */
    String name();

    /**
     * The details of one kernel, serialised as JSON by Actuator.
     *
     * @param kernelId the kernel's id
     * @return the details, or {@code null} when this contributor has nothing about that kernel
     */
    Object details(String kernelId);
}
