package io.ringkernel.benchmarks;

import java.util.List;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import io.ringkernel.RingKernel;
import io.ringkernel.RingKernelDefinition;
import io.ringkernel.cpu.CpuBackend;
import io.ringkernel.graph.KernelGraph;
import io.ringkernel.graph.KernelNetwork;

/**
 * A three-stage pipeline of 64-byte messages on the CPU backend, end to end: the stages forwarding
 * to each other ({@link KernelNetwork}, the reply comes from the last) against the same three
 * stages routed through the caller (send to the first, wait, send its reply to the second, ...),
 * in the same run. One message in flight; read p50/p99 from the sample-time percentiles. Stages
 * use the default idle strategy (spin, yield, then park): with three stages and the caller on a
 * small machine, spinning or yielding stages starve each other (measured on 2 vCPUs: p50 1 ms).
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class PipelineBenchmark {

    private static RingKernelDefinition.Builder<Payload, Payload> stage(String id) {
        return RingKernelDefinition.builder(id, Payload.class, Payload.class);
    }

    private static Payload step(Payload p) {
        long[] w = p.words().clone();
        w[0]++;
        return new Payload(w);
    }

    @State(Scope.Benchmark)
    public static class Chained {

        CpuBackend backend;
        KernelNetwork network;
        RingKernel<Payload, Payload> first;
        final Payload payload = Payload.of(1);

        @Setup(Level.Trial)
        public void setUp() {
            backend = new CpuBackend();
            network = KernelNetwork.create(KernelGraph.of(List.of(
                    stage("stage-1").linksTo("stage-2", Payload.class)
                            .handler((m, ctx) -> {
                                ctx.forward("stage-2", step(m));
                                return null;
                            }).build(),
                    stage("stage-2").linksTo("stage-3", Payload.class)
                            .handler((m, ctx) -> {
                                ctx.forward("stage-3", step(m));
                                return null;
                            }).build(),
                    stage("stage-3")
                            .handler((m, ctx) -> step(m)).build())), backend);
            network.launchAll();
            network.activateAll();
            first = network.kernel("stage-1");
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            network.close();
            backend.close();
        }
    }

    @State(Scope.Benchmark)
    public static class HostRouted {

        CpuBackend backend;
        RingKernel<Payload, Payload> one;
        RingKernel<Payload, Payload> two;
        RingKernel<Payload, Payload> three;
        final Payload payload = Payload.of(1);

        private RingKernel<Payload, Payload> stage(String id) {
            RingKernel<Payload, Payload> k = backend.createKernel(PipelineBenchmark.stage(id).handler((m, ctx) -> step(m)).build());
            k.launch();
            k.activate();
            return k;
        }

        @Setup(Level.Trial)
        public void setUp() {
            backend = new CpuBackend();
            one = stage("host-1");
            two = stage("host-2");
            three = stage("host-3");
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            backend.close();
        }
    }

    @Benchmark
    public Payload chained(Chained s) {
        return s.first.send(s.payload).join();
    }

    @Benchmark
    public Payload hostRouted(HostRouted s) {
        return s.three.send(s.two.send(s.one.send(s.payload).join()).join()).join();
    }
}
