package io.ringkernel.cuda;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.ringkernel.cpu.CpuBackend;

/**
 * A stateful kernel's state table on the device: a warp first takes a key's state from the entry at
 * the key's home index, read with all its lanes at once, and searches the table only when that entry
 * is not the key's (rk_lookup_state). Keys that share home entries, key 0 and keys inserted by several
 * warps at once must each keep their own state, as on the CPU, whether the table is small enough for
 * the block's shared memory or lives in device memory (CudaKernelEngine puts a table in shared memory
 * when it fits beside the rest in 48 KiB: a running sum's entry is 32 bytes).
 */
@Tag("gpu")
@Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class CudaStateTableTest {

    @Test
    void keysThatShareHomeEntriesEachKeepTheirOwnStateAsOnTheCpu() {
        // 48 keys, 0 among them, in a table of 64 entries (2 KiB: shared memory): most keys find their
        // home entry taken by another and are placed further on.
        assertSameStatesAsTheCpu(64, 48);
    }

    @Test
    void keysThatShareHomeEntriesInATableInDeviceMemoryEachKeepTheirOwnStateAsOnTheCpu() {
        // 1,500 keys in 2,048 entries (64 KiB: device memory).
        assertSameStatesAsTheCpu(2048, 1500);
    }

    /** One batch of 6,000 running-sum requests over `keyCount` keys, 0 among them, so the block's warps insert keys at once. */
    private static void assertSameStatesAsTheCpu(int slots, int keyCount) {
        long[] keys = new long[keyCount];
        for (int k = 0; k < keys.length; k++) {
            keys[k] = k % 2 == 0 ? k / 2 : -(k * 1_000_003L);
        }
        Random rnd = new Random(3);
        long[] next = new long[keys.length];
        List<RunningSumRequest> inputs = new ArrayList<>();
        for (int i = 0; i < 6000; i++) {
            int k = rnd.nextInt(keys.length);
            inputs.add(new RunningSumRequest(keys[k], next[k]++, rnd.nextGaussian() * 1e3));
        }
        Function<RunningSumResponse, Object> canon = r -> List.of(r.key(), r.count(), Double.doubleToLongBits(r.sum()));
        try (CudaBackend cuda = GpuSupport.backendOrSkip(CudaOptions.fromSystemProperties().withStateSlots(slots));
                CpuBackend cpu = new CpuBackend()) {
            List<Object> onGpu = GpuSupport.answers(cuda, RunningSumKernels.definition("rs-gpu").build(), inputs, canon);
            List<Object> onCpu = GpuSupport.answers(cpu, RunningSumKernels.definition("rs-cpu").build(), inputs, canon);
            assertThat(onGpu).isEqualTo(onCpu).doesNotContain("failed:KernelFailedException");
        }
    }
}
