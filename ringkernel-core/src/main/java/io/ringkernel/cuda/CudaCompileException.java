package io.ringkernel.cuda;

import io.ringkernel.RingKernelException;

/**
 * A kernel's CUDA source did not compile. The message names the handler file and carries the
 * compiler's log, whose line numbers refer to that file ({@code #line} directives map them).
 */
public final class CudaCompileException extends RingKernelException {

    private static final long serialVersionUID = 1L;

    private final String handlerFile;
    private final String log;

    public CudaCompileException(String handlerFile, String compiler, String log) {
        super("CUDA handler " + handlerFile + " failed to compile with " + compiler + ":\n" + log);
        this.handlerFile = handlerFile;
        this.log = log;
    }

    /** The class-path resource of the user's handler. */
    public String handlerFile() {
        return handlerFile;
    }

    /** The compiler's log. */
    public String log() {
        return log;
    }
}
