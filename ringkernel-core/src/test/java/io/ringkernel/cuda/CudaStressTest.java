package io.ringkernel.cuda;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.ringkernel.RingKernel;
import io.ringkernel.cuda.probe.ProbeKernels;
import io.ringkernel.cuda.probe.ProbeRequest;
import io.ringkernel.cuda.probe.ProbeResponse;
import io.ringkernel.examples.VectorAddKernels;
import io.ringkernel.examples.VectorAddRequest;
import io.ringkernel.examples.VectorAddResponse;

/**
 * Torn-read stress (every request checksummed, recomputed on the device; every reply checked on
 * the host, through futures and through a batch's reply handler) and several kernels alive on one
 * device at once.
 */
@Tag("gpu")
// A driver call that never returns cannot be interrupted: run each test on its own thread so the suite goes on.
@Timeout(value = 300, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class CudaStressTest {

    private static CudaBackend cuda;

    @BeforeEach
    void open() {
        // Per test rather than @BeforeAll, so that without a GPU each test is reported as skipped with the reason.
        if (cuda == null) {
            cuda = GpuSupport.backendOrSkip();
        }
    }

    @AfterAll
    static void close() {
        if (cuda != null) {
            cuda.close();
        }
    }

    @Test
    void concurrentProducersNeverSeeATornSlot() throws Exception {
        int threads = 4;
        int perThread = 100_000;
        AtomicLong torn = new AtomicLong();
        AtomicLong checked = new AtomicLong();
        try (RingKernel<ProbeRequest, ProbeResponse> k = cuda.createKernel(ProbeKernels.definition("stress").build())) {
            k.launch();
            k.activate();
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int id = t;
                done.add(pool.submit(() -> {
                    Random rnd = new Random(id);
                    for (int base = 0; base < perThread; base += 512) {
                        List<ProbeRequest> batch = new ArrayList<>();
                        for (int i = 0; i < Math.min(512, perThread - base); i++) {
                            batch.add(ProbeKernels.request(((long) id << 40) | (base + i), rnd.ints(13).toArray()));
                        }
                        if ((base / 512) % 2 == 1) {
                            // every other batch through the reply handler instead of futures
                            k.sendBatch(batch, (index, r, failure) -> {
                                ProbeRequest q = batch.get(index);
                                if (failure != null || r.valid() != 1 || r.sequence() != q.sequence()
                                        || r.checksum() != q.checksum()) {
                                    torn.incrementAndGet();
                                }
                                checked.incrementAndGet();
                            }).orTimeout(30, TimeUnit.SECONDS).join();
                            continue;
                        }
                        List<CompletableFuture<ProbeResponse>> replies = k.sendBatch(batch);
                        for (int i = 0; i < batch.size(); i++) {
                            ProbeResponse r = replies.get(i).orTimeout(30, TimeUnit.SECONDS).join();
                            ProbeRequest q = batch.get(i);
                            if (r.valid() != 1 || r.sequence() != q.sequence() || r.checksum() != q.checksum()) {
                                torn.incrementAndGet();
                            }
                            checked.incrementAndGet();
                        }
                    }
                    // and the latency path: one message at a time
                    for (int i = 0; i < 5000; i++) {
                        ProbeRequest q = ProbeKernels.request(((long) id << 40) | (1L << 39) | i, rnd.ints(13).toArray());
                        ProbeResponse r = k.send(q).join();
                        if (r.valid() != 1 || r.sequence() != q.sequence() || r.checksum() != q.checksum()) {
                            torn.incrementAndGet();
                        }
                        checked.incrementAndGet();
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(240, TimeUnit.SECONDS);
            }
            pool.shutdown();
            assertThat(k.terminate(Duration.ofSeconds(5))).isTrue();
        }
        assertThat(checked.get()).isEqualTo(threads * (perThread + 5000L));
        assertThat(torn.get()).as("torn or corrupted messages").isZero();
    }

    @Test
    void severalKernelsAliveAtOnce() {
        List<RingKernel<VectorAddRequest, VectorAddResponse>> adders = new ArrayList<>();
        try (RingKernel<RunningSumRequest, RunningSumResponse> sums = cuda.createKernel(RunningSumKernels.definition("multi-rs").build());
                RingKernel<ProbeRequest, ProbeResponse> probe = cuda.createKernel(ProbeKernels.definition("multi-probe").build())) {
            for (int i = 0; i < 4; i++) {
                adders.add(cuda.createKernel(VectorAddKernels.inline("multi-va-" + i).build()));
            }
            sums.launch();
            probe.launch();
            adders.forEach(RingKernel::launch);
            sums.activate();
            probe.activate();
            adders.forEach(RingKernel::activate);
            for (int round = 0; round < 500; round++) {
                for (int i = 0; i < adders.size(); i++) {
                    float[] c = adders.get(i).send(new VectorAddRequest(new float[] {round}, new float[] {i})).join().c();
                    assertThat(c).containsExactly((float) round + i);
                }
                RunningSumResponse s = sums.send(new RunningSumRequest(9, round, 2.0)).join();
                assertThat(s.count()).isEqualTo(round + 1);
                assertThat(s.sum()).isEqualTo(2.0 * (round + 1));
                ProbeRequest q = ProbeKernels.request(round);
                assertThat(probe.send(q).join().checksum()).isEqualTo(q.checksum());
            }
            // Deactivated kernels sleep on the device while the others keep serving.
            adders.get(0).deactivate();
            assertThat(adders.get(1).send(new VectorAddRequest(new float[] {1}, new float[] {1})).join().c()).containsExactly(2f);
            adders.get(0).activate();
            for (RingKernel<VectorAddRequest, VectorAddResponse> a : adders) {
                assertThat(a.terminate(Duration.ofSeconds(5))).isTrue();
                assertThat(a.telemetry().lastError()).isNull();
            }
            assertThat(sums.terminate(Duration.ofSeconds(5))).isTrue();
            assertThat(probe.terminate(Duration.ofSeconds(5))).isTrue();
            assertThat(sums.telemetry().lastError()).isNull();
        } finally {
            adders.forEach(RingKernel::close);
        }
    }
}
