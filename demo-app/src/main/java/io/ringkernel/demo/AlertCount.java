package io.ringkernel.demo;

/** State of the {@code alert-counts} kernel per sensor. */
public record AlertCount(long alerts, double lastValue) {
}
