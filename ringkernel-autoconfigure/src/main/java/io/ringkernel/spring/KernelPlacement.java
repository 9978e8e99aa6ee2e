package io.ringkernel.spring;

import java.util.List;
import java.util.Objects;

/**
 * Chooses the device each kernel runs on: the device its settings name, else by policy —
 * {@link Policy#FIXED} (the default device), {@link Policy#SPREAD} (round robin over the devices,
 * starting at the default one) or {@link Policy#LEAST_LOADED} (the device holding the fewest
 * kernels placed so far; each ring kernel keeps one multiprocessor busy for its whole life, so the
 * count is the occupancy that matters; ties go to the lowest index from the default device on).
 *
 * <p>Thread-safety: thread-safe.
 */
public final class KernelPlacement {

    /** How kernels that name no device are placed. */
    public enum Policy {
        /** Every kernel on the default device. */
        FIXED,
        /** Round robin over the devices. */
        SPREAD,
        /** The device with the fewest kernels placed so far. */
        LEAST_LOADED
    }

    private final Policy policy;
    private final int defaultDevice;
    private final List<String> devices;
    private final int[] placed;
    private int next;

    /**
     * @param policy how to place kernels that name no device
     * @param defaultDevice the device of {@link Policy#FIXED}, where the others start
     * @param devices the backend's devices, by index (their names appear in errors)
     */
    public KernelPlacement(Policy policy, int defaultDevice, List<String> devices) {
        this.policy = Objects.requireNonNull(policy, "policy");
        this.devices = List.copyOf(devices);
        if (this.devices.isEmpty()) {
            throw new IllegalArgumentException("a backend has at least one device");
        }
        if (defaultDevice < 0 || defaultDevice >= this.devices.size()) {
            throw new IllegalArgumentException(outOfRange("ringkernel.device", defaultDevice));
        }
        this.defaultDevice = defaultDevice;
        this.placed = new int[this.devices.size()];
    }

    /** Everything on one device: for backends that have one (the CPU) or tests. */
    public static KernelPlacement single(String device) {
        return new KernelPlacement(Policy.FIXED, 0, List.of(device));
    }

    /**
     * Places a kernel.
     *
     * @param requested the device its settings name, or {@code null}
     * @param property the property that named it, for the error
     * @return the device index
     * @throws IllegalArgumentException if {@code requested} is not a device of the backend, naming
     *         the property and the devices there are
     */
    public synchronized int place(Integer requested, String property) {
        int device;
        if (requested != null) {
            if (requested < 0 || requested >= devices.size()) {
                throw new IllegalArgumentException(outOfRange(property, requested));
            }
            device = requested;
        } else if (policy == Policy.SPREAD) {
            device = (defaultDevice + next++) % devices.size();
        } else if (policy == Policy.LEAST_LOADED) {
            device = defaultDevice;
            for (int i = 1; i < devices.size(); i++) {
                int candidate = (defaultDevice + i) % devices.size();
                if (placed[candidate] < placed[device]) {
                    device = candidate;
                }
            }
        } else {
            device = defaultDevice;
        }
        placed[device]++;
        return device;
    }

    /** The device {@link Policy#FIXED} places on. */
    public int defaultDevice() {
        return defaultDevice;
    }

    /** How many devices the backend has. */
    public int deviceCount() {
        return devices.size();
    }

    private String outOfRange(String property, int index) {
        return property + "=" + index + " names no device: the backend has " + devices.size() + " ("
                + String.join("; ", devices) + ")";
    }
}
