package io.ringkernel.autoconfigure.diagnostics;

import java.util.Locale;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

import io.ringkernel.backend.BackendDetection;
import io.ringkernel.backend.BackendUnavailableException;

/**
 * Explains a start-up that failed because the requested backend cannot run here: the description
 * lists what every backend's detection found, the action says what to install or change for the
 * missing piece (backend on the class path, native libraries, driver, device) and how to fall back
 * to the CPU.
 *
 * <p>Thread-safety: stateless.
 */
public final class BackendUnavailableFailureAnalyzer extends AbstractFailureAnalyzer<BackendUnavailableException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, BackendUnavailableException cause) {
        StringBuilder description = new StringBuilder("Ring kernels could not start: ").append(cause.getMessage())
                .append(".\n\nBackends detected:");
        BackendDetection cuda = null;
        for (BackendDetection d : cause.detections()) {
            description.append("\n    - ").append(d.backend()).append(": ")
                    .append(d.usable() ? "usable" : "not usable").append(" (").append(d.reason()).append(")");
            if (!d.devices().isEmpty()) {
                description.append(", devices ").append(d.devices());
            }
            if (d.backend().equals("cuda")) {
                cuda = d;
            }
        }
        if (cause.detections().isEmpty()) {
            description.append(" none");
        }
        String action = missing(cuda) + "\n\nTo run on the CPU instead, set ringkernel.backend=auto (uses CUDA when a"
                + " device is usable, else the CPU) or ringkernel.backend=cpu.";
        return new FailureAnalysis(description.toString(), action, cause);
    }

    /** What to fix, judged from the CUDA detection report (or its absence). */
    private static String missing(BackendDetection cuda) {
        if (cuda == null) {
            return "The CUDA backend is not on the class path: add the ringkernel CUDA backend and the JCuda native"
                    + " libraries for this platform (jcuda-natives with the os/arch classifier) to the application.";
        }
        String reason = cuda.reason().toLowerCase(Locale.ROOT);
        // Most specific first: a missing libcuda also names JCuda's native library in its message.
        if (reason.contains("libcuda")) {
            return "The NVIDIA driver (libcuda.so.1) is missing: install the NVIDIA driver on this machine (or give"
                    + " the container GPU access) and check with nvidia-smi (" + cuda.reason() + ").";
        }
        if (reason.contains("compute capability")) {
            return "The GPU is not supported: its compute capability is below what ringkernel needs ("
                    + cuda.reason() + "); choose another device with ringkernel.device.";
        }
        if (reason.contains("no device")) {
            return "No CUDA device is visible to this process: check nvidia-smi, CUDA_VISIBLE_DEVICES and the"
                    + " container's GPU access (--gpus) (" + cuda.reason() + ").";
        }
        if (reason.contains("not on the class path")) {
            return "JCuda is missing: add org.jcuda:jcuda and org.jcuda:jcuda-natives (with the classifier of this"
                    + " platform, e.g. linux-x86_64) to the application (" + cuda.reason() + ").";
        }
        if (reason.contains("native")) {
            return "The JCuda native libraries could not be loaded: add org.jcuda:jcuda-natives for this platform"
                    + " and check that they match the installed CUDA driver (" + cuda.reason() + ").";
        }
        if (reason.contains("driver")) {
            return "The NVIDIA driver cannot be used: install or update it, then check with nvidia-smi ("
                    + cuda.reason() + ").";
        }
        if (reason.contains("device")) {
            return "The CUDA device cannot be used: check nvidia-smi, CUDA_VISIBLE_DEVICES and ringkernel.device ("
                    + cuda.reason() + ").";
        }
        return "Make the CUDA backend usable: " + cuda.reason() + ".";
    }
}
