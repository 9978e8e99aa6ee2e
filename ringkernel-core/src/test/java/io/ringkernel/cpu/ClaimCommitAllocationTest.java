package io.ringkernel.cpu;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import io.ringkernel.MessageFlyweight;
import io.ringkernel.RingKernel;
import io.ringkernel.layout.LayoutField;

/** The claim/commit path allocates nothing on the producer thread once warm. */
class ClaimCommitAllocationTest {

    private static final int WARM_UP = 200_000;
    private static final int MEASURED = 200_000;

    @Test
    void claimAndCommitAllocateNoBytesOnTheProducerThread() {
        java.lang.management.ThreadMXBean bean = ManagementFactory.getThreadMXBean();
        Assumptions.assumeTrue(bean instanceof com.sun.management.ThreadMXBean,
                "this JVM does not report per-thread allocation (com.sun.management.ThreadMXBean)");
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) bean;
        try (CpuBackend backend = new CpuBackend();
                RingKernel<Echo, Echo.Reply> k = backend.createKernel(Echo.kernel("alloc").capacity(8192).build())) {
            k.launch();
            k.activate();
            MessageFlyweight fw = k.newFlyweight();
            LayoutField id = fw.field("id");
            LayoutField value = fw.field("value");
            LayoutField extra = fw.field("extra");
            run(k, fw, id, value, extra, WARM_UP);

            long tid = Thread.currentThread().getId();
            long before = threads.getThreadAllocatedBytes(tid);
            run(k, fw, id, value, extra, MEASURED);
            long allocated = threads.getThreadAllocatedBytes(tid) - before;

            assertThat(allocated).as("bytes allocated by %d claim/commit cycles", MEASURED).isLessThan(1024);
        }
    }

    private static void run(RingKernel<Echo, Echo.Reply> k, MessageFlyweight fw, LayoutField id, LayoutField value,
            LayoutField extra, int n) {
        for (int i = 0; i < n; i++) {
            if (!k.claim(fw)) {
                throw new AssertionError("claim failed under BLOCK");
            }
            fw.putLong(id, i).putInt(value, i).setLength(extra, 1).putInt(extra, 0, i);
            k.commit(fw);
        }
    }
}
