package io.ringkernel.ring;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;

class ThreadsInsideTest {

    @Test
    void aThreadInsideIsSeenWhateverOtherThreadsDo() throws Exception {
        ThreadsInside inside = new ThreadsInside();
        assertThat(inside.none()).isTrue();
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Thread stayer = new Thread(() -> {
            inside.enter();
            entered.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            inside.leave();
        });
        stayer.start();
        entered.await();

        AtomicBoolean stop = new AtomicBoolean();
        List<Thread> churn = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            Thread c = new Thread(() -> {
                while (!stop.get()) {
                    inside.enter();
                    inside.leave();
                }
            });
            c.start();
            churn.add(c);
        }
        int sawNone = 0;
        for (int i = 0; i < 200_000; i++) {
            if (inside.none()) {
                sawNone++;
            }
        }
        stop.set(true);
        for (Thread c : churn) {
            c.join();
        }

        assertThat(sawNone).as("reads that missed the thread inside").isZero();
        release.countDown();
        stayer.join();
        assertThat(inside.none()).isTrue();
    }
}
