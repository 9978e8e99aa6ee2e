package io.ringkernel.cpu;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import io.ringkernel.MessageFlyweight;
import io.ringkernel.RingKernel;
import io.ringkernel.RingKernelDefinition;
import io.ringkernel.layout.LayoutField;

/** The claim/commit path allocates nothing on the producer thread once warm, nor, with a view handler, on the kernel's. */
class ClaimCommitAllocationTest {

    private static final int WARM_UP = 200_000;
    private static final int MEASURED = 200_000;

    @Test
    void claimAndCommitAllocateNoBytesOnTheProducerThread() {
        com.sun.management.ThreadMXBean threads = allocationCounting();
        try (CpuBackend backend = new CpuBackend();
                RingKernel<Echo, Echo.Reply> k = backend.createKernel(Echo.kernel("alloc").capacity(8192).build())) {
            k.launch();
            k.activate();
            MessageFlyweight fw = k.newFlyweight();
            run(k, fw, WARM_UP);

            long tid = Thread.currentThread().getId();
            long before = threads.getThreadAllocatedBytes(tid);
            run(k, fw, MEASURED);
            long allocated = threads.getThreadAllocatedBytes(tid) - before;

            assertThat(allocated).as("bytes allocated by %d claim/commit cycles", MEASURED).isLessThan(1024);
        }
    }

    @Test
    void withAViewHandlerTheKernelsThreadAllocatesNoBytesEither() throws InterruptedException {
        com.sun.management.ThreadMXBean threads = allocationCounting();
        long[] sum = new long[1];
        try (CpuBackend backend = new CpuBackend();
                RingKernel<Echo, Echo.Reply> k = backend.createKernel(
                        RingKernelDefinition.builder("alloc-view", Echo.class, Echo.Reply.class).capacity(8192)
                                .viewHandler((v, ctx) -> {
                                    sum[0] += v.getInt(v.field("extra"), 0);
                                    return null;
                                }).build())) {
            k.launch();
            k.activate();
            long kernelThread = threadNamed("ringkernel-alloc-view");
            MessageFlyweight fw = k.newFlyweight();
            run(k, fw, WARM_UP);
            awaitProcessed(k, WARM_UP);

            long before = threads.getThreadAllocatedBytes(kernelThread);
            run(k, fw, MEASURED);
            awaitProcessed(k, WARM_UP + MEASURED);
            long allocated = threads.getThreadAllocatedBytes(kernelThread) - before;

            assertThat(allocated).as("bytes allocated by the kernel's thread handling %d messages", MEASURED)
                    .isLessThan(1024);
            assertThat(k.telemetry().failed()).isZero();
        }
    }

    private static com.sun.management.ThreadMXBean allocationCounting() {
        java.lang.management.ThreadMXBean bean = ManagementFactory.getThreadMXBean();
        Assumptions.assumeTrue(bean instanceof com.sun.management.ThreadMXBean,
                "this JVM does not report per-thread allocation (com.sun.management.ThreadMXBean)");
        return (com.sun.management.ThreadMXBean) bean;
    }

    private static long threadNamed(String name) {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no thread named " + name)).getId();
    }

    private static void awaitProcessed(RingKernel<?, ?> k, long messages) throws InterruptedException {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (k.telemetry().processed() < messages) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the kernel processed " + k.telemetry().processed() + " of " + messages
                        + " messages in 30 s");
            }
            Thread.sleep(1);
        }
    }

    private static void run(RingKernel<Echo, Echo.Reply> k, MessageFlyweight fw, int n) {
        LayoutField id = fw.field("id");
        LayoutField value = fw.field("value");
        LayoutField extra = fw.field("extra");
        for (int i = 0; i < n; i++) {
            if (!k.claim(fw)) {
                throw new AssertionError("claim failed under BLOCK");
            }
            fw.putLong(id, i).putInt(value, i).setLength(extra, 1).putInt(extra, 0, i);
            k.commit(fw);
        }
    }
}
