package io.ringkernel.spring;

import java.time.Duration;
import java.util.Objects;

import io.ringkernel.Backpressure;
import io.ringkernel.RingKernelDefinition;

/**
 * The configured settings of one kernel. Every definition-level setting is optional ({@code null}:
 * keep what the {@link RingKernelDefinition} says); {@link #applyTo} derives the definition the
 * kernel actually runs with. Grid and block size are validated and reported; the current backends
 * choose their launch geometry themselves.
 *
 * <p>Immutable and thread-safe.
 *
 * @param capacity ring capacity, or {@code null}
 * @param gridSize CUDA grid size, or {@code null} for the backend's choice
 * @param blockSize CUDA block size, or {@code null} for the backend's choice
 * @param backpressure full-ring policy, or {@code null}
 * @param blockTimeout BLOCK wait, or {@code null}
 * @param shutdownTimeout drain time on stop, or {@code null}
 * @param autoActivate whether to activate on start (else launch only)
 * @param restart restart policy
 * @param device the device index to run on, or {@code null} for the runtime's {@link KernelPlacement}
 */
public record KernelSettings(Integer capacity, Integer gridSize, Integer blockSize, Backpressure backpressure,
        Duration blockTimeout, Duration shutdownTimeout, boolean autoActivate, RestartSettings restart, Integer device) {

    /** Everything from the definition, activated on start, never restarted, placed by the runtime. */
    public static final KernelSettings DEFAULTS = new KernelSettings(null, null, null, null, null, null, true,
            RestartSettings.NONE, null);

    public KernelSettings {
        Objects.requireNonNull(restart, "restart");
    }

    /** The definition with these settings applied; {@code definition} itself if nothing is overridden. */
    public <I, O> RingKernelDefinition<I, O> applyTo(RingKernelDefinition<I, O> definition) {
        if (capacity == null && backpressure == null && blockTimeout == null && shutdownTimeout == null
                && blockSize == null) {
            return definition;
        }
        RingKernelDefinition.Builder<I, O> b = definition.toBuilder();
        if (capacity != null) {
            b.capacity(capacity);
        }
        if (backpressure != null) {
            b.backpressure(backpressure);
        }
        if (blockTimeout != null) {
            b.blockTimeout(blockTimeout);
        }
        if (shutdownTimeout != null) {
            b.shutdownTimeout(shutdownTimeout);
        }
        if (blockSize != null) {
            b.cudaBlockSize(blockSize);
        }
        return b.build();
    }
}
