package io.ringkernel.cuda;

import com.sun.jna.Library;
import com.sun.jna.Native;

/**
 * Sets a variable in this process's C environment (not only Java's view of it), which the CUDA
 * driver reads when it initialises. Uses JNA; without JNA on the class path it does nothing.
 *
 * <p>Thread-safety: call before other threads read the environment natively (here: before cuInit).
 */
final class ProcessEnvironment {

    private ProcessEnvironment() {
    }

    /** Sets {@code name=value} unless the variable is already set. */
    static void setIfAbsent(String name, String value) {
        if (System.getenv(name) != null) {
            return;
        }
        try {
            LibC.INSTANCE.setenv(name, value, 0);
        } catch (LinkageError e) {
            // No JNA: the driver's default applies; only concurrent kernel starts are affected.
        }
    }

    /** The one libc function needed. */
    interface LibC extends Library {

        LibC INSTANCE = Native.load("c", LibC.class);

        int setenv(String name, String value, int overwrite);
    }
}
