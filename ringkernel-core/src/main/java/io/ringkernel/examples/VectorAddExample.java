package io.ringkernel.examples;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import io.ringkernel.DeviceBuffer;
import io.ringkernel.RingKernel;
import io.ringkernel.cpu.CpuBackend;
import io.ringkernel.telemetry.KernelTelemetry;

/**
 * Plain Java, no Spring: defines the seed's VectorAdd kernels, runs them on the CPU backend,
 * checks every reply, prints telemetry and shuts down. Exits non-zero if any result is wrong.
 */
public final class VectorAddExample {

    private VectorAddExample() {
    }

    public static void main(String[] args) {
        int messages = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        try (CpuBackend backend = new CpuBackend();
                RingKernel<VectorAddRequest, VectorAddResponse> inline =
                        backend.createKernel(VectorAddKernels.inline("vector-add").build());
                RingKernel<VectorAddBufferRequest, VectorAddBufferResponse> buffered =
                        backend.createKernel(VectorAddKernels.buffered("vector-add-buffer").build())) {
            inline.launch();
            inline.activate();
            buffered.launch();
            buffered.activate();

            VectorAddResponse one = inline.send(new VectorAddRequest(new float[] {1, 2, 3}, new float[] {10, 20, 30})).join();
            System.out.printf("[1, 2, 3] + [10, 20, 30] = %s%n", java.util.Arrays.toString(one.c()));

            long start = System.nanoTime();
            int wrong = 0;
            List<CompletableFuture<VectorAddResponse>> window = new ArrayList<>();
            List<VectorAddRequest> sent = new ArrayList<>();
            for (int i = 0; i < messages; i++) {
                float[] a = {i, i + 1, i + 2, i + 3};
                float[] b = {1, 2, 3, 4};
                VectorAddRequest r = new VectorAddRequest(a, b);
                sent.add(r);
                window.add(inline.send(r));
                if (window.size() == 512 || i == messages - 1) {
                    for (int j = 0; j < window.size(); j++) {
                        float[] c = window.get(j).join().c();
                        VectorAddRequest q = sent.get(j);
                        for (int k = 0; k < c.length; k++) {
                            if (c[k] != q.a()[k] + q.b()[k]) {
                                wrong++;
                            }
                        }
                    }
                    window.clear();
                    sent.clear();
                }
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            System.out.printf("%d inline requests answered in %.2f s (%.0f msg/s), %d wrong%n",
                    messages, seconds, messages / seconds, wrong);

            int n = 1 << 20;
            float[] a = new float[n];
            float[] b = new float[n];
            for (int i = 0; i < n; i++) {
                a[i] = i;
                b[i] = 2 * i;
            }
            try (DeviceBuffer da = buffered.allocateBuffer(4L * n);
                    DeviceBuffer db = buffered.allocateBuffer(4L * n);
                    DeviceBuffer dc = buffered.allocateBuffer(4L * n)) {
                da.write(0, a, 0, n);
                db.write(0, b, 0, n);
                buffered.send(new VectorAddBufferRequest(da.handle(), db.handle(), dc.handle(), n)).join();
                float[] c = new float[n];
                dc.read(0, c, 0, n);
                for (int i = 0; i < n; i++) {
                    if (c[i] != a[i] + b[i]) {
                        wrong++;
                    }
                }
                System.out.printf("%d-element vectors added by buffer handle, %s%n", n,
                        wrong == 0 ? "all correct" : wrong + " wrong");
            }

            KernelTelemetry t = inline.telemetry();
            System.out.printf("telemetry: state=%s processed=%d completed=%d failed=%d latency p50=%d ns p99=%d ns%n",
                    t.state(), t.processed(), t.completed(), t.failed(), t.latency().p50(), t.latency().p99());
            boolean drained = inline.terminate(Duration.ofSeconds(5));
            System.out.println("terminated cleanly: " + drained);
            if (wrong != 0) {
                System.exit(1);
            }
        }
    }
}
