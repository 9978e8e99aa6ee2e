package io.ringkernel.cuda.probe;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;

import org.junit.jupiter.api.Test;

import io.ringkernel.RingKernel;
import io.ringkernel.cpu.CpuBackend;

/** The probe's checksum, which the GPU tests rely on to show a torn or stale slot read. */
class ProbeKernelsTest {

    @Test
    void changingAnyOneWordOrTheSequenceChangesTheChecksum() {
        Random rnd = new Random(7);
        for (int round = 0; round < 1000; round++) {
            long sequence = rnd.nextLong();
            int[] words = rnd.ints(13).toArray();
            int sum = ProbeKernels.checksum(sequence, words);

            assertThat(ProbeKernels.checksum(sequence ^ (1L << rnd.nextInt(64)), words)).isNotEqualTo(sum);
            int[] torn = words.clone();
            torn[rnd.nextInt(13)] ^= 1 << rnd.nextInt(32);
            assertThat(ProbeKernels.checksum(sequence, torn)).isNotEqualTo(sum);
        }
    }

    @Test
    void theSameWordsInOtherPositionsGiveAnotherChecksum() {
        int[] words = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13};
        int[] swapped = {2, 1, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13};

        assertThat(ProbeKernels.checksum(42, swapped)).isNotEqualTo(ProbeKernels.checksum(42, words));
    }

    @Test
    void theCpuHandlerAcceptsWhatRequestBuilds() {
        try (CpuBackend cpu = new CpuBackend();
                RingKernel<ProbeRequest, ProbeResponse> k = cpu.createKernel(ProbeKernels.definition("probe").build())) {
            k.launch();
            k.activate();
            ProbeRequest q = ProbeKernels.request(5, new int[] {9, 8, 7, 6, 5, 4, 3, 2, 1, 0, -1, -2, -3});

            ProbeResponse r = k.send(q).join();

            assertThat(r.valid()).isEqualTo(1);
            assertThat(r.checksum()).isEqualTo(q.checksum());
        }
    }
}
