package io.ringkernel.backend;

import java.util.List;

import io.ringkernel.RingKernelException;

/** A backend was required but cannot run here; {@link #detections()} says what was found and what is missing. */
public final class BackendUnavailableException extends RingKernelException {

    private static final long serialVersionUID = 1L;

    private final transient List<BackendDetection> detections;

    public BackendUnavailableException(String message, List<BackendDetection> detections) {
        super(message);
        this.detections = List.copyOf(detections);
    }

    /** Detection reports of the backends that were considered. */
    public List<BackendDetection> detections() {
        return detections;
    }
}
