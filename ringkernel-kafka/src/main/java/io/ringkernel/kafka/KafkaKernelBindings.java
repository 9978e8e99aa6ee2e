package io.ringkernel.kafka;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.kafka.core.DefaultKafkaProducerFactory;

/**
 * Every {@link KafkaKernelBinding} of an application, started and stopped with the context.
 *
 * <p>The phase sits just above the kernels' own: bindings start consuming after the kernels are
 * active, and stop (answering or abandoning their batch in flight) before the kernels drain and
 * terminate, so no record is taken from Kafka by a binding whose kernel is already gone.
 *
 * <p><b>Resources</b>: owns the producer of replies and dead letters, closed by {@link #close()}
 * after the bindings have stopped.
 *
 * <p>Thread-safety: thread-safe; lifecycle calls serialise on this object.
 */
public final class KafkaKernelBindings implements SmartLifecycle, AutoCloseable {

    private static final Log log = LogFactory.getLog(KafkaKernelBindings.class);

    private final Map<String, KafkaKernelBinding<?, ?>> bindings = new LinkedHashMap<>();
    private final DefaultKafkaProducerFactory<byte[], byte[]> producerFactory;
    private final int phase;
    private volatile boolean running;

    /**
     * @param bindings the bindings, at most one per kernel
     * @param producerFactory the factory of the bindings' producer (owned from now on)
     * @param phase lifecycle phase; above the kernels'
     */
    public KafkaKernelBindings(List<KafkaKernelBinding<?, ?>> bindings,
            DefaultKafkaProducerFactory<byte[], byte[]> producerFactory, int phase) {
        for (KafkaKernelBinding<?, ?> b : bindings) {
            if (this.bindings.putIfAbsent(b.settings().kernelId(), b) != null) {
                throw new IllegalArgumentException("kernel '" + b.settings().kernelId() + "' is bound twice");
            }
        }
        this.producerFactory = Objects.requireNonNull(producerFactory, "producerFactory");
        this.phase = phase;
    }

    /** The binding of a kernel, or {@code null} if it is not bound to Kafka. */
    public KafkaKernelBinding<?, ?> binding(String kernelId) {
        return bindings.get(kernelId);
    }

    /** Every binding, in configuration order. */
    public List<KafkaKernelBinding<?, ?>> bindings() {
        return List.copyOf(bindings.values());
    }

    @Override
    public synchronized void start() {
        for (KafkaKernelBinding<?, ?> b : bindings.values()) {
            b.start();
        }
        running = true;
    }

    @Override
    public synchronized void stop(Runnable callback) {
        running = false;
        AtomicInteger remaining = new AtomicInteger(bindings.size());
        if (remaining.get() == 0) {
            callback.run();
            return;
        }
        for (KafkaKernelBinding<?, ?> b : bindings.values()) {
            try {
                b.stop(() -> {
                    if (remaining.decrementAndGet() == 0) {
                        callback.run();
                    }
                });
            } catch (RuntimeException e) {
                log.warn("Stopping the Kafka binding of kernel '" + b.settings().kernelId() + "' failed", e);
                if (remaining.decrementAndGet() == 0) {
                    callback.run();
                }
            }
        }
    }

    @Override
    public void stop() {
        CountDownLatch stopped = new CountDownLatch(1);
        stop(stopped::countDown);
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public int getPhase() {
        return phase;
    }

    /** Closes the producer, sending what it still holds. Idempotent. */
    @Override
    public void close() {
        producerFactory.destroy();
    }
}
