package io.ringkernel.demo;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

import org.HdrHistogram.Histogram;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.stereotype.Component;

import io.ringkernel.RingKernel;
import io.ringkernel.examples.VectorAddRequest;
import io.ringkernel.examples.VectorAddResponse;

/**
 * Pushes N VectorAdd messages from M producer threads, checks every reply and reports throughput
 * and latency. One run at a time.
 */
@Component
class LoadRunner {

    static final int MAX_MESSAGES = 5_000_000;
    static final int MAX_PRODUCERS = 16;
    private static final int WINDOW = 256;

    private final RingKernel<VectorAddRequest, VectorAddResponse> vectorAdd;

    LoadRunner(@Qualifier(DemoKernels.VECTOR_ADD) RingKernel<VectorAddRequest, VectorAddResponse> vectorAdd) {
        this.vectorAdd = vectorAdd;
    }

    /**
     * A load run.
     *
     * @param messages messages to send, 1 to {@link #MAX_MESSAGES}
     * @param producers producer threads, 1 to {@link #MAX_PRODUCERS}
     */
    record Request(Integer messages, Integer producers) {
    }

    /**
     * What a run measured.
     *
     * @param messages messages answered
     * @param producers producer threads
     * @param wrong replies whose sum was wrong (must be 0)
     * @param seconds wall time
     * @param messagesPerSecond throughput
     * @param p50Micros median send-to-reply latency
     * @param p99Micros 99th percentile send-to-reply latency
     * @param backend backend the kernel ran on
     */
    record Result(long messages, int producers, long wrong, double seconds, double messagesPerSecond, double p50Micros,
            double p99Micros, String backend) {
    }

    synchronized Result run(Request request) {
        int messages = request.messages() == null ? 100_000 : request.messages();
        int producers = request.producers() == null ? 4 : request.producers();
        if (messages < 1 || messages > MAX_MESSAGES) {
            throw new BadRequestException("messages must be between 1 and " + MAX_MESSAGES + ", got " + messages);
        }
        if (producers < 1 || producers > MAX_PRODUCERS) {
            throw new BadRequestException("producers must be between 1 and " + MAX_PRODUCERS + ", got " + producers);
        }
        ExecutorService pool = Executors.newFixedThreadPool(producers, r -> {
            Thread t = new Thread(r, "demo-load");
            t.setDaemon(true);
            return t;
        });
        AtomicLong wrong = new AtomicLong();
        long start = System.nanoTime();
        List<Future<Histogram>> parts = new ArrayList<>();
        for (int p = 0; p < producers; p++) {
            int share = messages / producers + (p < messages % producers ? 1 : 0);
            int producer = p;
            parts.add(pool.submit(() -> produce(producer, share, wrong)));
        }
        Histogram latency = new Histogram(3);
        try {
            for (Future<Histogram> part : parts) {
                latency.add(part.get());
            }
        } catch (Exception e) {
            throw new IllegalStateException("load run failed: " + e.getMessage(), e);
        } finally {
            pool.shutdownNow();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        return new Result(messages, producers, wrong.get(), seconds, messages / seconds,
                latency.getValueAtPercentile(50) / 1e3, latency.getValueAtPercentile(99) / 1e3, vectorAdd.backend());
    }

    private Histogram produce(int producer, int count, AtomicLong wrong) {
        Histogram latency = new Histogram(3);
        List<CompletableFuture<VectorAddResponse>> window = new ArrayList<>(WINDOW);
        long[] sentAt = new long[WINDOW];
        float[][] expected = new float[WINDOW][];
        int i = 0;
        while (i < count) {
            int n = Math.min(WINDOW, count - i);
            for (int j = 0; j < n; j++) {
                float x = producer * 1_000_000f + i + j;
                float[] a = {x, 1, 2, 3};
                float[] b = {1, x, -2, 0.5f};
                expected[j] = new float[] {x + 1, 1 + x, 0, 3.5f};
                sentAt[j] = System.nanoTime();
                window.add(vectorAdd.send(new VectorAddRequest(a, b)));
            }
            for (int j = 0; j < n; j++) {
                float[] c = window.get(j).join().c();
                latency.recordValue(Math.max(0, System.nanoTime() - sentAt[j]));
                if (!java.util.Arrays.equals(c, expected[j])) {
                    wrong.incrementAndGet();
                }
            }
            window.clear();
            i += n;
        }
        return latency;
    }
}
