package io.ringkernel.cuda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import org.junit.jupiter.api.Test;

import io.ringkernel.backend.BackendDetection;
import io.ringkernel.backend.BackendProvider;
import io.ringkernel.backend.BackendSelection;
import io.ringkernel.backend.BackendUnavailableException;

/** Detection never throws; without a GPU it explains why and {@code auto} falls back to the CPU. Runs everywhere. */
class CudaDetectionTest {

    @Test
    void detectionReportsInsteadOfThrowing() {
        BackendDetection d = new CudaBackendProvider().detect();
        assertThat(d.backend()).isEqualTo("cuda");
        assertThat(d.reason()).isNotBlank();
        if (d.usable()) {
            assertThat(d.devices()).isNotEmpty().allSatisfy(dev -> assertThat(dev).contains("compute capability"));
        } else {
            assertThat(d.devices()).isEmpty();
            assertThat(d.reason()).startsWith("CUDA unavailable").doesNotContain("Exception:");
        }
    }

    @Test
    void providerIsRegisteredAboveTheCpu() {
        assertThat(BackendSelection.providers()).extracting(BackendProvider::name).contains("cpu", "cuda");
        assertThat(new CudaBackendProvider().priority()).isGreaterThan(0);
    }

    @Test
    void withoutAUsableDeviceAutoChoosesTheCpuAndCudaFailsWithTheReason() {
        BackendDetection d = new CudaBackendProvider().detect();
        assumeFalse(d.usable(), "a CUDA device is usable here");
        BackendSelection auto = BackendSelection.select("auto", 0);
        try {
            assertThat(auto.backend().name()).isEqualTo("cpu");
            assertThat(auto.reason()).contains("'cuda' not usable");
        } finally {
            auto.backend().close();
        }
        assertThatThrownBy(() -> BackendSelection.select("cuda", 0))
                .isInstanceOf(BackendUnavailableException.class)
                .hasMessageContaining(d.reason());
        assertThatThrownBy(() -> new CudaBackendProvider().create(0)).isInstanceOf(BackendUnavailableException.class);
    }
}
