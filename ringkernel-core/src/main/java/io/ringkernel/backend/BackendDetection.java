package io.ringkernel.backend;

import java.util.List;

/**
 * The outcome of probing for a backend: whether it is usable, on what, and why (not).
 *
 * @param backend backend name
 * @param usable whether kernels can run
 * @param devices human-readable description of each usable device
 * @param reason one line explaining the verdict (what was found, or what is missing)
 */
public record BackendDetection(String backend, boolean usable, List<String> devices, String reason) {

    public BackendDetection {
        devices = List.copyOf(devices);
    }
}
