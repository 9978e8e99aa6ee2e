package io.ringkernel.jcstress;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.Expect;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.Z_Result;

import io.ringkernel.ring.ThreadsInside;

/**
 * A thread inside a launch's memory is never missed by the thread about to free it while another
 * enters and leaves. (The interleaving that broke one up-and-down LongAdder needs two threads passing
 * through; jcstress schedules no more actors than CPUs, and CI has two, so this checks the counter's
 * contract with one.)
 */
@JCStressTest
@Description("ThreadsInside.anyInside() with one thread inside throughout and another entering and leaving")
@Outcome(id = "true", expect = Expect.ACCEPTABLE, desc = "the thread inside is seen")
@Outcome(id = "false", expect = Expect.FORBIDDEN, desc = "a thread inside was missed")
@State
public class ThreadsInsideTest {

    private final ThreadsInside inside = new ThreadsInside();

    public ThreadsInsideTest() {
        inside.enter();
    }

    @Actor
    public void passingThrough() {
        inside.enter();
        inside.leave();
    }

    @Actor
    public void freeing(Z_Result r) {
        r.r1 = inside.anyInside();
    }
}
