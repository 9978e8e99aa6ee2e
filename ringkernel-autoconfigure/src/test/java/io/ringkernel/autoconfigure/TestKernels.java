package io.ringkernel.autoconfigure;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;

import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.ringkernel.RingKernelDefinition;
import io.ringkernel.examples.VectorAddKernels;
import io.ringkernel.examples.VectorAddRequest;
import io.ringkernel.examples.VectorAddResponse;

/** Kernel definitions and helpers shared by the tests. */
public final class TestKernels {

    /** Id of the VectorAdd kernel of {@link VectorAddConfiguration}. */
    public static final String VECTOR_ADD = "vector-add";

    private TestKernels() {
    }

    /** A request adding {@code i} to a small vector. */
    public static VectorAddRequest request(int i) {
        return new VectorAddRequest(new float[] {i, 1, 2}, new float[] {1, i, 3});
    }

    /**
     * A VectorAdd kernel whose loop throws (outside any handler, so the whole kernel goes FAILED, as
     * when a backend dies mid-stream) at the end of its next pass after {@code fault} is set; {@code fault} is cleared when it fires, so
     * a relaunch runs normally until it is set again.
     */
    public static RingKernelDefinition<VectorAddRequest, VectorAddResponse> failable(String id, AtomicBoolean fault) {
        return VectorAddKernels.inline(id).idleStrategy(() -> new FaultyIdleStrategy(fault)).build();
    }

    /** A VectorAdd kernel whose handler waits for {@code gate} (up to a minute) before answering. */
    public static RingKernelDefinition<VectorAddRequest, VectorAddResponse> gated(String id, CountDownLatch gate) {
        return RingKernelDefinition.builder(id, VectorAddRequest.class, VectorAddResponse.class)
                .handler((request, context) -> {
                    if (!gate.await(1, TimeUnit.MINUTES)) {
                        throw new IllegalStateException("test gate never opened");
                    }
                    return VectorAddKernels.add(request);
                })
                .build();
    }

    /** Waits for {@code condition} (never asserting how long it took); fails after a generous deadline. */
    public static void await(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("timed out waiting for: " + what);
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting for: " + what);
            }
        }
    }

    /** Declares the VectorAdd kernel the way an application does. */
    @Configuration(proxyBeanMethods = false)
    public static class VectorAddConfiguration {

        @Bean
        static RingKernelDefinition<VectorAddRequest, VectorAddResponse> vectorAddDefinition() {
            return VectorAddKernels.inline(VECTOR_ADD).build();
        }
    }

    /** Idles like the default strategy, but throws once when told to, whether the loop was busy or idle. */
    private static final class FaultyIdleStrategy implements IdleStrategy {

        private final AtomicBoolean fault;
        private final IdleStrategy delegate = new BackoffIdleStrategy(100, 10, 1_000, 100_000);

        FaultyIdleStrategy(AtomicBoolean fault) {
            this.fault = fault;
        }

        @Override
        public void idle(int workCount) {
            throwIfArmed();
            if (workCount <= 0) {
                delegate.idle();
            }
        }

        @Override
        public void idle() {
            throwIfArmed();
            delegate.idle();
        }

        private void throwIfArmed() {
            if (fault.getAndSet(false)) {
                throw new IllegalStateException("injected kernel fault");
            }
        }

        @Override
        public void reset() {
            // The loop resets after every busy pass, so the fault also fires under full load.
            throwIfArmed();
            delegate.reset();
        }
    }
}
