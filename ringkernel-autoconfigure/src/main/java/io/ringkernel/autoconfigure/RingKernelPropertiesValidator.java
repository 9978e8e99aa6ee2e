package io.ringkernel.autoconfigure;

import java.nio.file.Files;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;

import io.ringkernel.spring.KernelSettings;
import io.ringkernel.spring.RestartPolicy;
import io.ringkernel.spring.RestartSettings;

/**
 * Checks {@link RingKernelProperties} and resolves per-kernel settings. Every problem is reported
 * as an {@link InvalidConfigurationPropertyValueException} naming the property, which Spring Boot's
 * failure analysis prints with the value and where it came from.
 *
 * <p>Thread-safety: stateless.
 */
final class RingKernelPropertiesValidator {

    private static final String PREFIX = "ringkernel";
    private static final int MAX_CAPACITY = 1 << 24;

    private RingKernelPropertiesValidator() {
    }

    /**
     * Checks every value that does not depend on which kernels exist.
     *
     * @param backends names of the backends on the class path
     */
    static void validate(RingKernelProperties p, Collection<String> backends) {
        Set<String> known = new LinkedHashSet<>();
        known.add("auto");
        known.addAll(backends);
        // 'cuda' is always a valid request: without its provider the failure analyzer explains what to add.
        known.add("cuda");
        String backend = p.getBackend() == null ? "" : p.getBackend().trim().toLowerCase(Locale.ROOT);
        if (!known.contains(backend)) {
            throw invalid("backend", p.getBackend(), "unknown backend; use one of " + String.join(", ", known));
        }
        if (p.getDevice() < 0) {
            throw invalid("device", p.getDevice(), "the device index must not be negative");
        }
        if (p.getCacheDir() != null && Files.exists(p.getCacheDir()) && !Files.isDirectory(p.getCacheDir())) {
            throw invalid("cache-dir", p.getCacheDir(), "exists and is not a directory");
        }
        positive("watchdog.interval", p.getWatchdog().getInterval());
        positive("watchdog.heartbeat-timeout", p.getWatchdog().getHeartbeatTimeout());
        positive("watchdog.throughput-window", p.getWatchdog().getThroughputWindow());
        validateKernel("defaults.", p.getDefaults());
        for (Map.Entry<String, RingKernelProperties.Kernel> e : p.getKernels().entrySet()) {
            validateKernel(kernelPrefix(e.getKey()), e.getValue());
        }
        for (String id : p.getKernels().keySet()) {
            settings(p, id);
        }
    }

    /**
     * Checks that every {@code ringkernel.kernels.<id>} names a kernel that exists.
     *
     * @param ids ids (and bean names) of the kernels in the application
     */
    static void validateKernelIds(RingKernelProperties p, Set<String> ids) {
        for (String id : p.getKernels().keySet()) {
            if (!ids.contains(id)) {
                throw new InvalidConfigurationPropertyValueException(PREFIX + "." + kernelPrefix(id).replaceAll("\\.$", ""),
                        id, "no ring kernel has this id; kernels: " + (ids.isEmpty() ? "none" : String.join(", ", ids)));
            }
        }
    }

    /** The settings of kernel {@code id}: its own properties, else {@code defaults}, else the definition's. */
    static KernelSettings settings(RingKernelProperties p, String id) {
        RingKernelProperties.Kernel own = p.getKernels().get(id);
        RingKernelProperties.Kernel defaults = p.getDefaults();
        RingKernelProperties.Kernel k = own != null ? own : new RingKernelProperties.Kernel();
        RingKernelProperties.Restart r = k.getRestart();
        RingKernelProperties.Restart dr = defaults.getRestart();
        RestartSettings none = RestartSettings.NONE;
        String prefix = own != null ? kernelPrefix(id) + "restart." : "defaults.restart.";
        RestartSettings restart;
        try {
            restart = new RestartSettings(
                    first(r.getPolicy(), dr.getPolicy(), RestartPolicy.NONE),
                    first(r.getMaxAttempts(), dr.getMaxAttempts(), none.maxAttempts()),
                    first(r.getBackoff(), dr.getBackoff(), none.backoff()),
                    first(r.getMaxBackoff(), dr.getMaxBackoff(), none.maxBackoff()),
                    first(r.getResetAfter(), dr.getResetAfter(), none.resetAfter()));
        } catch (IllegalArgumentException e) {
            throw invalid(prefix + "max-backoff", first(r.getMaxBackoff(), dr.getMaxBackoff(), none.maxBackoff()),
                    "must not be less than " + prefix + "backoff ("
                            + first(r.getBackoff(), dr.getBackoff(), none.backoff()) + ")");
        }
        return new KernelSettings(
                first(k.getCapacity(), defaults.getCapacity(), null),
                first(k.getGridSize(), defaults.getGridSize(), null),
                first(k.getBlockSize(), defaults.getBlockSize(), null),
                first(k.getBackpressure(), defaults.getBackpressure(), null),
                first(k.getBlockTimeout(), defaults.getBlockTimeout(), null),
                first(k.getShutdownTimeout(), defaults.getShutdownTimeout(), null),
                first(k.getAutoActivate(), defaults.getAutoActivate(), Boolean.TRUE),
                restart,
                first(k.getDevice(), defaults.getDevice(), null));
    }

    private static void validateKernel(String prefix, RingKernelProperties.Kernel k) {
        Integer capacity = k.getCapacity();
        if (capacity != null && (capacity < 2 || capacity > MAX_CAPACITY || Integer.bitCount(capacity) != 1)) {
            throw invalid(prefix + "capacity", capacity, "must be a power of two between 2 and " + MAX_CAPACITY);
        }
        if (k.getGridSize() != null && k.getGridSize() != 1) {
            throw invalid(prefix + "grid-size", k.getGridSize(),
                    "must be 1: a ring kernel runs as one persistent block (size it with block-size)");
        }
        Integer block = k.getBlockSize();
        if (block != null && (block < 32 || block > 1024 || block % 32 != 0)) {
            throw invalid(prefix + "block-size", block, "must be a multiple of 32 between 32 and 1024");
        }
        if (k.getDevice() != null && k.getDevice() < 0) {
            throw invalid(prefix + "device", k.getDevice(), "the device index must not be negative");
        }
        notNegative(prefix + "block-timeout", k.getBlockTimeout());
        notNegative(prefix + "shutdown-timeout", k.getShutdownTimeout());
        RingKernelProperties.Restart r = k.getRestart();
        if (r.getMaxAttempts() != null && r.getMaxAttempts() < 1) {
            throw invalid(prefix + "restart.max-attempts", r.getMaxAttempts(), "must be at least 1");
        }
        notNegative(prefix + "restart.backoff", r.getBackoff());
        notNegative(prefix + "restart.max-backoff", r.getMaxBackoff());
        notNegative(prefix + "restart.reset-after", r.getResetAfter());
    }

    private static String kernelPrefix(String id) {
        // Ids may contain dots, which Spring Boot's property names only keep inside brackets.
        return id.indexOf('.') >= 0 ? "kernels[" + id + "]." : "kernels." + id + ".";
    }

    private static void notNegative(String name, Duration d) {
        if (d != null && d.isNegative()) {
            throw invalid(name, d, "must not be negative");
        }
    }

    private static void positive(String name, Duration d) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw invalid(name, d, "must be positive");
        }
    }

    private static InvalidConfigurationPropertyValueException invalid(String name, Object value, String reason) {
        return new InvalidConfigurationPropertyValueException(PREFIX + "." + name, value, reason);
    }

    private static <T> T first(T own, T fallback, T last) {
        return own != null ? own : fallback != null ? fallback : last;
    }
}
