package io.ringkernel.backend;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.ServiceLoader;

/**
 * Chooses a backend: {@code auto} takes the usable backend of highest priority (CUDA when a device
 * is usable, else the CPU), a name takes that backend or fails with what is missing.
 *
 * @param backend the chosen, created backend (the caller owns and closes it)
 * @param detections every backend's detection report, for logs and endpoints
 * @param reason one line: which backend and why
 */
public record BackendSelection(Backend backend, List<BackendDetection> detections, String reason) {

    /**
     * Selects and creates a backend from the providers on the class path.
     *
     * @param preference {@code auto} or a backend name ({@code cpu}, {@code cuda})
     * @param device device index for device backends
     * @throws BackendUnavailableException if a named backend is missing or unusable
     * @throws IllegalArgumentException if the preference names no known backend
     */
    public static BackendSelection select(String preference, int device) {
        return select(preference, device, providers());
    }

    /** As {@link #select(String, int)}, over the given providers. */
    public static BackendSelection select(String preference, int device, List<BackendProvider> providers) {
        String wanted = preference == null ? "auto" : preference.trim().toLowerCase(Locale.ROOT);
        if (device < 0) {
            throw new IllegalArgumentException("device index must not be negative: " + device);
        }
        List<BackendProvider> sorted = new ArrayList<>(providers);
        sorted.sort(Comparator.comparingInt(BackendProvider::priority).reversed());
        List<BackendDetection> detections = new ArrayList<>();
        for (BackendProvider p : sorted) {
            detections.add(p.detect());
        }
        if (wanted.equals("auto")) {
            for (int i = 0; i < sorted.size(); i++) {
                if (detections.get(i).usable()) {
                    StringBuilder why = new StringBuilder("auto chose '" + sorted.get(i).name() + "': "
                            + detections.get(i).reason());
                    for (int j = 0; j < i; j++) {
                        why.append("; '").append(sorted.get(j).name()).append("' not usable: ").append(detections.get(j).reason());
                    }
                    return new BackendSelection(sorted.get(i).create(device), detections, why.toString());
                }
            }
            throw new BackendUnavailableException("no usable backend among " + names(sorted), detections);
        }
        for (int i = 0; i < sorted.size(); i++) {
            if (sorted.get(i).name().equals(wanted)) {
                BackendDetection d = detections.get(i);
                if (!d.usable()) {
                    throw new BackendUnavailableException("backend '" + wanted + "' is not usable: " + d.reason(), detections);
                }
                return new BackendSelection(sorted.get(i).create(device), detections,
                        "'" + wanted + "' requested: " + d.reason());
            }
        }
        if (wanted.equals("cuda")) {
            throw new BackendUnavailableException("backend 'cuda' is not on the class path (ringkernel-core without its"
                    + " CUDA provider); available: " + names(sorted), detections);
        }
        throw new IllegalArgumentException("unknown backend '" + preference + "'; use auto or one of " + names(sorted));
    }

    /** The providers registered through {@link ServiceLoader}. */
    public static List<BackendProvider> providers() {
        List<BackendProvider> list = new ArrayList<>();
        ServiceLoader.load(BackendProvider.class, BackendSelection.class.getClassLoader()).forEach(list::add);
        return list;
    }

    private static List<String> names(List<BackendProvider> providers) {
        return providers.stream().map(BackendProvider::name).toList();
    }
}
