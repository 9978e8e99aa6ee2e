package io.ringkernel.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.junit.jupiter.api.Test;

import io.ringkernel.RingKernel;
import io.ringkernel.backend.Backend;
import io.ringkernel.backend.BackendSelection;
import io.ringkernel.cpu.CpuBackend;
import io.ringkernel.examples.VectorAddKernels;
import io.ringkernel.examples.VectorAddRequest;
import io.ringkernel.examples.VectorAddResponse;

/** Which device each kernel runs on: by its own setting, else by the placement policy. */
class KernelPlacementTests {

    private static final List<String> THREE = List.of("0: gpu-a", "1: gpu-b", "2: gpu-c");

    @Test
    void fixedPutsEveryKernelOnTheDefaultDevice() {
        KernelPlacement p = new KernelPlacement(KernelPlacement.Policy.FIXED, 1, THREE);
        assertThat(List.of(p.place(null, "x"), p.place(null, "x"), p.place(null, "x"))).containsExactly(1, 1, 1);
    }

    @Test
    void spreadGoesRoundRobinFromTheDefaultDevice() {
        KernelPlacement p = new KernelPlacement(KernelPlacement.Policy.SPREAD, 1, THREE);
        List<Integer> devices = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            devices.add(p.place(null, "x"));
        }
        assertThat(devices).containsExactly(1, 2, 0, 1, 2);
    }

    @Test
    void leastLoadedTakesTheDeviceWithTheFewestKernelsCountingExplicitOnes() {
        KernelPlacement p = new KernelPlacement(KernelPlacement.Policy.LEAST_LOADED, 0, THREE);
        assertThat(p.place(0, "ringkernel.kernels.a.device")).isZero();
        assertThat(p.place(0, "ringkernel.kernels.b.device")).isZero();
        assertThat(p.place(null, "x")).isEqualTo(1);
        assertThat(p.place(null, "x")).isEqualTo(2);
        assertThat(p.place(null, "x")).isEqualTo(1);
    }

    @Test
    void aKernelsOwnDeviceWinsAndOneThatDoesNotExistIsRefusedNamingThePropertyAndTheDevices() {
        KernelPlacement p = new KernelPlacement(KernelPlacement.Policy.SPREAD, 0, THREE);
        assertThat(p.place(2, "ringkernel.kernels.a.device")).isEqualTo(2);
        assertThatThrownBy(() -> p.place(3, "ringkernel.kernels.b.device")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("ringkernel.kernels.b.device=3 names no device: the backend has 3 (0: gpu-a; 1: gpu-b; 2: gpu-c)");
        assertThatThrownBy(() -> new KernelPlacement(KernelPlacement.Policy.FIXED, 5, THREE))
                .hasMessageStartingWith("ringkernel.device=5 names no device");
    }

    /** Three stand-in devices of a device backend; each records the kernels created on it. */
    private static final class Devices {
        final CpuBackend cpu = new CpuBackend();
        final Map<Integer, List<String>> created = new ConcurrentHashMap<>();
        final List<Integer> closed = new ArrayList<>();

        Backend open(int device) {
            return new StandInDevice(cpu, THREE, id -> created.computeIfAbsent(device, d -> new ArrayList<>()).add(id),
                    () -> closed.add(device));
        }
    }

    private static KernelSettings onDevice(Integer device) {
        return new KernelSettings(null, null, null, null, null, null, true, RestartSettings.NONE, device);
    }

    @Test
    void theRuntimeOpensEachDevicesBackendOnFirstUseAndClosesItWithItself() {
        Devices devices = new Devices();
        KernelPlacement placement = new KernelPlacement(KernelPlacement.Policy.SPREAD, 0, THREE);
        try (RingKernelRuntime runtime = new RingKernelRuntime(new BackendSelection(devices.open(0), List.of(), "test"),
                placement, devices::open, id -> onDevice(id.equals("pinned") ? 2 : null), Duration.ofHours(1),
                Duration.ofSeconds(10))) {
            RingKernel<VectorAddRequest, VectorAddResponse> pinned = runtime.create(VectorAddKernels.inline("pinned").build());
            runtime.create(VectorAddKernels.inline("a").build());
            runtime.create(VectorAddKernels.inline("b").build());
            runtime.start();
            assertThat(devices.created).containsEntry(2, List.of("pinned")).containsEntry(0, List.of("a"))
                    .containsEntry(1, List.of("b"));
            assertThat(pinned.send(new VectorAddRequest(new float[] {1}, new float[] {2})).join().c()).containsExactly(3f);
        } finally {
            devices.cpu.close();
        }
        assertThat(devices.closed).containsExactlyInAnyOrder(0, 1, 2);
    }

    @Test
    void onTheCpuBackendAKernelsDeviceIsIgnoredSoAGpuConfigurationStillStarts() {
        try (RingKernelRuntime runtime = new RingKernelRuntime(BackendSelection.select("cpu", 0), id -> onDevice(3),
                Duration.ofHours(1), Duration.ofSeconds(10))) {
            RingKernel<VectorAddRequest, VectorAddResponse> k = runtime.create(VectorAddKernels.inline("k").build());
            runtime.start();
            assertThat(k.backend()).isEqualTo("cpu");
            assertThat(k.send(new VectorAddRequest(new float[] {1}, new float[] {1})).join().c()).containsExactly(2f);
        }
    }
}
