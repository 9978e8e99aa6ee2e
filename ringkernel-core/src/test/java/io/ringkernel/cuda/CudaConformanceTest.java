package io.ringkernel.cuda;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.ringkernel.DeviceBuffer;
import io.ringkernel.KernelFailedException;
import io.ringkernel.RingKernel;
import io.ringkernel.cpu.CpuBackend;
import io.ringkernel.cuda.probe.ProbeKernels;
import io.ringkernel.cuda.probe.ProbeRequest;
import io.ringkernel.cuda.probe.ProbeResponse;
import io.ringkernel.examples.VectorAddBufferRequest;
import io.ringkernel.examples.VectorAddBufferResponse;
import io.ringkernel.examples.VectorAddKernels;
import io.ringkernel.examples.VectorAddRequest;
import io.ringkernel.examples.VectorAddResponse;

/**
 * The same inputs through the CPU and CUDA backends give the same results, compared bit for bit
 * ({@code floatToIntBits}/{@code doubleToLongBits}, which fold NaN payloads: x86 and the GPU
 * produce different NaN bit patterns for the same invalid operation, and IEEE 754 leaves the
 * payload open).
 */
@Tag("gpu")
// A driver call that never returns cannot be interrupted: run each test on its own thread so the suite goes on.
@Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class CudaConformanceTest {

    private static CudaBackend cuda;
    private static CpuBackend cpu;

    @BeforeEach
    void open() {
        // Per test rather than @BeforeAll, so that without a GPU each test is reported as skipped with the reason.
        if (cuda == null) {
            cuda = GpuSupport.backendOrSkip();
            cpu = new CpuBackend();
        }
    }

    @AfterAll
    static void close() {
        if (cuda != null) {
            cuda.close();
        }
        if (cpu != null) {
            cpu.close();
        }
    }

    private static List<Integer> bits(VectorAddResponse r) {
        List<Integer> b = new ArrayList<>();
        for (float f : r.c()) {
            b.add(Float.floatToIntBits(f));
        }
        return b;
    }

    @Test
    void vectorAddMatchesBitForBitIncludingEdgeCases() {
        Random rnd = new Random(42);
        List<VectorAddRequest> inputs = new ArrayList<>();
        float[] specials = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, -0.0f, 0.0f, Float.MIN_VALUE,
                Float.MIN_NORMAL, Float.MAX_VALUE, -Float.MAX_VALUE, 1e-40f, Float.intBitsToFloat(0x7fa00001)};
        inputs.add(new VectorAddRequest(new float[0], new float[0]));
        for (int n = 1; n <= VectorAddRequest.MAX_INLINE; n++) {
            float[] a = new float[n];
            float[] b = new float[n];
            for (int i = 0; i < n; i++) {
                a[i] = (float) rnd.nextGaussian() * 1e3f;
                b[i] = rnd.nextInt(4) == 0 ? specials[rnd.nextInt(specials.length)] : (float) rnd.nextGaussian();
            }
            inputs.add(new VectorAddRequest(a, b));
        }
        for (float x : specials) {
            for (float y : specials) {
                inputs.add(new VectorAddRequest(new float[] {x, y, x}, new float[] {y, x, -y}));
            }
        }
        inputs.add(new VectorAddRequest(new float[] {1, 2}, new float[] {1}));
        List<Object> onCpu = GpuSupport.answers(cpu, VectorAddKernels.inline("va-cpu").build(), inputs, CudaConformanceTest::bits);
        List<Object> onGpu = GpuSupport.answers(cuda, VectorAddKernels.inline("va-gpu").build(), inputs, CudaConformanceTest::bits);
        assertThat(onGpu).hasSize(inputs.size()).isEqualTo(onCpu);
        assertThat(onGpu.get(0)).isEqualTo(List.of());
        assertThat(onGpu.get(onGpu.size() - 1)).isEqualTo("failed:KernelFailedException");
    }

    @Test
    void statefulRunningSumMatchesPerKeyInOrder() {
        Random rnd = new Random(7);
        List<RunningSumRequest> inputs = new ArrayList<>();
        long[] next = new long[17];
        for (int i = 0; i < 5000; i++) {
            int key = rnd.nextInt(next.length);
            double v = i % 97 == 0 ? Double.POSITIVE_INFINITY : rnd.nextGaussian() * 1e6;
            inputs.add(new RunningSumRequest(key * 1_000_003L - 8, next[key]++, v));
        }
        inputs.add(new RunningSumRequest(-8, 0, 1.0)); // out of order: key -8 has seen messages already
        Function<RunningSumResponse, Object> canon = r -> List.of(r.key(), r.count(),
                Double.doubleToLongBits(r.sum()), Double.doubleToLongBits(r.mean()));
        List<Object> onCpu = GpuSupport.answers(cpu, RunningSumKernels.definition("rs-cpu").build(), inputs, canon);
        List<Object> onGpu = GpuSupport.answers(cuda, RunningSumKernels.definition("rs-gpu").build(), inputs, canon);
        assertThat(onGpu).isEqualTo(onCpu);
        assertThat(onGpu.get(onGpu.size() - 1)).isEqualTo("failed:KernelFailedException");
        assertThat(onGpu.subList(0, inputs.size() - 1)).doesNotContain("failed:KernelFailedException");
    }

    /**
     * One-way messages written through a flyweight, one slot or a run at a time, some runs aborted,
     * runs crossing the ring's end: the kernel handles exactly the committed ones, in order per key.
     */
    @Test
    void flyweightClaimsAndRunsAreHandledAsSentMessagesAre() {
        List<Object> onCpu = sumsAfterFlyweightRuns(cpu, "rs-fw-cpu");
        List<Object> onGpu = sumsAfterFlyweightRuns(cuda, "rs-fw-gpu");

        assertThat(onGpu).isEqualTo(onCpu);
    }

    /**
     * The canonical final reply of each of three keys after the same 2,000 messages committed through
     * a flyweight, however many slots each claim got. An aborted message carries the next order of its
     * key: handled, it would move the key's count on and the key's later messages would be refused as
     * out of order.
     */
    private static List<Object> sumsAfterFlyweightRuns(io.ringkernel.backend.Backend backend, String id) {
        int messages = 2000;
        Random rnd = new Random(11);
        int[] keys = rnd.ints(messages, 0, 3).toArray();
        double[] values = rnd.doubles(messages).map(v -> v * 1e6).toArray();
        try (RingKernel<RunningSumRequest, RunningSumResponse> k =
                backend.createKernel(RunningSumKernels.definition(id).capacity(64).build())) {
            k.launch();
            k.activate();
            io.ringkernel.MessageFlyweight fw = k.newFlyweight();
            io.ringkernel.layout.LayoutField key = fw.field("key");
            io.ringkernel.layout.LayoutField order = fw.field("order");
            io.ringkernel.layout.LayoutField value = fw.field("value");
            long[] next = new long[3];
            int committed = 0;
            for (int run = 0; committed < messages; run++) {
                boolean abort = run % 7 == 3;
                int wanted = Math.min(1 + rnd.nextInt(40), messages - committed);
                int claimed = run % 5 == 0 ? (k.claim(fw) ? 1 : 0) : k.claim(fw, wanted);
                long[] orders = next.clone();
                for (int i = 0; i < claimed; i++) {
                    if (i > 0) {
                        fw.next();
                    }
                    int kk = keys[committed + i];
                    fw.putLong(key, kk).putLong(order, orders[kk]++).putDouble(value, abort ? 1e300 : values[committed + i]);
                }
                if (abort) {
                    k.abort(fw);
                } else {
                    k.commit(fw);
                    next = orders;
                    committed += claimed;
                }
            }
            List<Object> sums = new ArrayList<>();
            for (int kk = 0; kk < next.length; kk++) {
                try {
                    RunningSumResponse r = k.send(new RunningSumRequest(kk, next[kk], 0.5)).get(30, TimeUnit.SECONDS);
                    assertThat(r.count()).as("messages of key %d handled", kk).isEqualTo(next[kk] + 1);
                    sums.add(List.of(r.key(), r.count(), Double.doubleToLongBits(r.sum())));
                } catch (java.util.concurrent.ExecutionException e) {
                    sums.add("failed:" + e.getCause().getClass().getSimpleName());
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            }
            assertThat(sums).as("every key's final reply").allSatisfy(r -> assertThat(r).isInstanceOf(List.class));
            assertThat(k.terminate(Duration.ofSeconds(5))).isTrue();
            return sums;
        }
    }

    @Test
    void probeChecksumsMatch() {
        Random rnd = new Random(3);
        List<ProbeRequest> inputs = new ArrayList<>();
        for (int i = 0; i < 3000; i++) {
            int[] w = rnd.ints(13).toArray();
            inputs.add(i % 500 == 0 ? new ProbeRequest(i, w, 12345) : ProbeKernels.request(i, w));
        }
        Function<ProbeResponse, Object> canon = r -> List.of(r.sequence(), r.checksum(), r.valid());
        assertThat(GpuSupport.answers(cuda, ProbeKernels.definition("probe-gpu").build(), inputs, canon))
                .isEqualTo(GpuSupport.answers(cpu, ProbeKernels.definition("probe-cpu").build(), inputs, canon));
    }

    @Test
    void vectorAddByDeviceBufferHandle() {
        int n = 1 << 20;
        float[] a = new float[n];
        float[] b = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = i * 0.5f;
            b[i] = (float) Math.sqrt(i);
        }
        try (RingKernel<VectorAddBufferRequest, VectorAddBufferResponse> k =
                cuda.createKernel(VectorAddKernels.buffered("va-buffer").build())) {
            k.launch();
            k.activate();
            try (DeviceBuffer da = k.allocateBuffer(4L * n);
                    DeviceBuffer db = k.allocateBuffer(4L * n);
                    DeviceBuffer dc = k.allocateBuffer(4L * n)) {
                da.write(0, a, 0, n);
                db.write(0, b, 0, n);
                VectorAddBufferResponse r = k.send(new VectorAddBufferRequest(da.handle(), db.handle(), dc.handle(), n))
                        .orTimeout(30, TimeUnit.SECONDS).join();
                assertThat(r.length()).isEqualTo(n);
                float[] c = new float[n];
                dc.read(0, c, 0, n);
                for (int i = 0; i < n; i++) {
                    if (Float.floatToIntBits(c[i]) != Float.floatToIntBits(a[i] + b[i])) {
                        throw new AssertionError("c[" + i + "] = " + c[i] + ", expected " + (a[i] + b[i]));
                    }
                }
                CompletableFuture<VectorAddBufferResponse> tooLong =
                        k.send(new VectorAddBufferRequest(da.handle(), db.handle(), dc.handle(), n + 1));
                assertThat(tooLong).failsWithin(Duration.ofSeconds(30))
                        .withThrowableOfType(java.util.concurrent.ExecutionException.class)
                        .withCauseInstanceOf(KernelFailedException.class)
                        .withMessageContaining("device error code 1");
            }
            assertThat(k.terminate(Duration.ofSeconds(5))).isTrue();
        }
    }

    @Test
    void roundTripWithSendJoinAndLifecycle() {
        try (RingKernel<VectorAddRequest, VectorAddResponse> k = cuda.createKernel(VectorAddKernels.inline("va-rt").build())) {
            k.launch();
            CompletableFuture<VectorAddResponse> early = k.send(new VectorAddRequest(new float[] {1}, new float[] {2}));
            assertThat(early).isNotDone(); // LAUNCHED but not active: the device loop must not take messages
            k.activate();
            assertThat(early.orTimeout(10, TimeUnit.SECONDS).join().c()).containsExactly(3f);
            for (int i = 0; i < 2000; i++) {
                float[] c = k.send(new VectorAddRequest(new float[] {i, 1}, new float[] {1, i})).join().c();
                assertThat(c).containsExactly(i + 1f, i + 1f);
            }
            k.deactivate();
            CompletableFuture<VectorAddResponse> parked = k.send(new VectorAddRequest(new float[] {5}, new float[] {5}));
            assertThat(parked).isNotDone();
            k.activate();
            assertThat(parked.orTimeout(10, TimeUnit.SECONDS).join().c()).containsExactly(10f);
            // The device publishes its processed count after the reply, with its next poll.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (k.telemetry().processed() < 2002 && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            assertThat(k.telemetry().processed()).isEqualTo(2002);
            assertThat(k.terminate(Duration.ofSeconds(5))).isTrue();
            assertThat(k.telemetry().lastError()).isNull();
            k.launch();
            k.activate();
            assertThat(k.send(new VectorAddRequest(new float[] {7}, new float[] {8})).join().c()).containsExactly(15f);
        } catch (CompletionException e) {
            throw new AssertionError(e);
        }
    }
}
