package io.ringkernel.kafka;

import io.ringkernel.RingKernelException;

/**
 * A batch of request records that will not be answered here, for a reason that is not the
 * records' fault: the kernel stopped or refused the batch, or a reply or dead letter could not be
 * produced. Its offsets are not committed; the records are delivered again, to this instance or,
 * after a rebalance, to another.
 */
final class BatchAbandonedException extends RingKernelException {

    private static final long serialVersionUID = 1L;

    BatchAbandonedException(String message, Throwable cause) {
        super(message, cause);
    }
}
