package io.ringkernel.autoconfigure.diagnostics;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.boot.diagnostics.FailureAnalysis;

import io.ringkernel.backend.BackendDetection;
import io.ringkernel.backend.BackendUnavailableException;

/** What the analyzer tells a user for each way CUDA can be missing. */
class BackendUnavailableFailureAnalyzerTests {

    private static final BackendDetection CPU = new BackendDetection("cpu", true, List.of("cpu (8 cores)"),
            "the CPU backend is always available");

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "CUDA unavailable: the CUDA driver (libcuda.so.1) is not installed or not on the library path: Error while loading native library JCudaDriver | NVIDIA driver (libcuda.so.1) is missing",
        "CUDA driver loaded but it reports no device | No CUDA device is visible",
        "CUDA unavailable: the CUDA driver is installed but finds no device (CUDA_ERROR_NO_DEVICE) | No CUDA device is visible",
        "no device has compute capability 7.0 or newer: GeForce GTX 960 (5.2) | compute capability is below",
        "CUDA unavailable: JCuda is not on the class path (add org.jcuda:jcuda and org.jcuda:jcuda-natives) | JCuda is missing",
        "CUDA unavailable: the JCuda native library failed to load: wrong ELF class | JCuda native libraries could not be loaded",
    })
    void saysWhatIsMissing(String reason, String action) {
        BackendDetection cuda = new BackendDetection("cuda", false, List.of(), reason);
        FailureAnalysis analysis = new BackendUnavailableFailureAnalyzer().analyze(
                new BackendUnavailableException("backend 'cuda' is not usable: " + reason, List.of(cuda, CPU)));
        assertThat(analysis.getDescription()).contains("backend 'cuda' is not usable").contains("- cuda: not usable (" + reason)
                .contains("- cpu: usable (the CPU backend is always available), devices [cpu (8 cores)]");
        assertThat(analysis.getAction()).contains(action).contains("ringkernel.backend=auto");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "backend 'cuda' is not on the class path | The CUDA backend is not on the class path",
    })
    void saysWhenTheBackendItselfIsMissing(String message, String action) {
        FailureAnalysis analysis = new BackendUnavailableFailureAnalyzer().analyze(
                new BackendUnavailableException(message, List.of(CPU)));
        assertThat(analysis.getAction()).startsWith(action).contains("ringkernel.backend=cpu");
    }
}
