package io.ringkernel.ring;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;

class ThreadsInsideTest {

    private final ThreadsInside inside = new ThreadsInside();

    @Test
    void nobodyIsInsideAtFirst() {
        assertThat(inside.anyInside()).isFalse();
    }

    @Test
    void aThreadIsInsideFromItsEntryToItsExit() {
        inside.enter();
        assertThat(inside.anyInside()).isTrue();

        inside.leave();
        assertThat(inside.anyInside()).isFalse();
    }

    @Test
    void aThreadInsideIsSeenWhileOthersEnterAndLeaveAroundIt() throws InterruptedException {
        inside.enter();
        AtomicBoolean stop = new AtomicBoolean();
        CountDownLatch started = new CountDownLatch(3);
        Thread[] others = new Thread[3];
        for (int t = 0; t < others.length; t++) {
            others[t] = new Thread(() -> {
                started.countDown();
                while (!stop.get()) {
                    inside.enter();
                    inside.leave();
                }
            });
            others[t].start();
        }
        assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
        try {
            for (int i = 0; i < 200_000; i++) {
                assertThat(inside.anyInside()).as("read %d", i).isTrue();
            }
        } finally {
            stop.set(true);
            for (Thread t : others) {
                t.join();
            }
        }

        inside.leave();
        assertThat(inside.anyInside()).isFalse();
    }
}
