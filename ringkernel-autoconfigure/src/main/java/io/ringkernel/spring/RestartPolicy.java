package io.ringkernel.spring;

/** What the {@link RingKernelRuntime} does when a kernel goes FAILED. */
public enum RestartPolicy {
    /** Leave it FAILED (health stays DOWN until an operator acts). */
    NONE,
    /** Relaunch it after a back-off, up to a bounded number of attempts in a row. */
    ON_FAILURE
}
