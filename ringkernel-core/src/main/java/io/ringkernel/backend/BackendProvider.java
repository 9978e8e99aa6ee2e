package io.ringkernel.backend;

/**
 * Finds and creates one kind of backend; registered through {@link java.util.ServiceLoader} under
 * {@code META-INF/services/io.ringkernel.backend.BackendProvider}. Detection must never throw: a
 * missing driver or native library is reported in the {@link BackendDetection}.
 */
public interface BackendProvider {

    /** Backend name, e.g. {@code cpu} or {@code cuda}. */
    String name();

    /** Preference when several backends are usable under {@code auto}; higher wins. */
    int priority();

    /** Probes for the backend without side effects beyond loading its libraries. */
    BackendDetection detect();

    /**
     * Creates the backend on the given device index.
     *
     * @throws BackendUnavailableException if it is not usable
     */
    Backend create(int device);
}
