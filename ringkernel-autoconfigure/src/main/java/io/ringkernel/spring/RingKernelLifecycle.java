package io.ringkernel.spring;

import java.util.Objects;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.context.SmartLifecycle;

/**
 * Ties a {@link RingKernelRuntime} to the application context: kernels launch (and activate) when
 * the context starts and drain and terminate when it stops.
 *
 * <p>The phase decides the order against other lifecycle beans: phases start in ascending and stop
 * in descending order. The default, {@code DEFAULT_PHASE - 4096}, is below both the web server's
 * start/stop phase ({@code DEFAULT_PHASE - 2048}) and its graceful-shutdown phase
 * ({@code DEFAULT_PHASE - 1024}), so kernels are ready before the first request arrives and keep
 * serving until the server has drained its requests and stopped.
 *
 * <p>{@link #stop(Runnable)} stops the kernels on a separate thread and always runs the callback,
 * so a slow drain is bounded by {@code spring.lifecycle.timeout-per-shutdown-phase} and an error
 * never leaves the context waiting for the whole phase timeout.
 *
 * <p>Thread-safety: thread-safe (delegates to the runtime, which serialises lifecycle calls).
 */
public final class RingKernelLifecycle implements SmartLifecycle {

    private static final Log log = LogFactory.getLog(RingKernelLifecycle.class);

    private final RingKernelRuntime runtime;
    private final int phase;

    /**
     * @param runtime the kernels to start and stop
     * @param phase lifecycle phase
     */
    public RingKernelLifecycle(RingKernelRuntime runtime, int phase) {
        this.runtime = Objects.requireNonNull(runtime, "runtime");
        this.phase = phase;
    }

    @Override
    public void start() {
        runtime.start();
    }

    @Override
    public void stop() {
        runtime.stop();
    }

    @Override
    public void stop(Runnable callback) {
        Thread t = new Thread(() -> {
            try {
                runtime.stop();
            } catch (RuntimeException e) {
                log.warn("Stopping ring kernels failed", e);
            } finally {
                callback.run();
            }
        }, "ringkernel-shutdown");
        t.setDaemon(true);
        t.start();
    }

    @Override
    public boolean isRunning() {
        return runtime.isRunning();
    }

    @Override
    public int getPhase() {
        return phase;
    }
}
