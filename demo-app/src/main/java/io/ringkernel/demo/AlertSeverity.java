package io.ringkernel.demo;

/** State of the {@code alert-severity} kernel per sensor. */
public record AlertSeverity(double maxSigmas) {
}
