package io.ringkernel.cuda;

import io.ringkernel.RingKernelDefinition;
import io.ringkernel.StatefulHandler;

/** The stateful RunningSum example: CPU handler here, CUDA handler in {@code io/ringkernel/examples/running_sum.cu}. */
final class RunningSumKernels {

    static final String CUDA_SOURCE = "io/ringkernel/examples/running_sum.cu";

    private RunningSumKernels() {
    }

    static RingKernelDefinition.Builder<RunningSumRequest, RunningSumResponse> definition(String id) {
        return RingKernelDefinition.builder(id, RunningSumRequest.class, RunningSumResponse.class)
                .statefulHandler(RunningSumState.class, new Handler())
                .cudaSource(CUDA_SOURCE);
    }

    private static final class Handler implements StatefulHandler<RunningSumState, RunningSumRequest, RunningSumResponse> {

        @Override
        public RunningSumState initialState(long key) {
            return new RunningSumState(0, 0.0);
        }

        @Override
        public RunningSumResponse handle(RunningSumRequest message, State<RunningSumState> state,
                io.ringkernel.KernelContext context) {
            RunningSumState s = state.get();
            if (message.order() != s.count()) {
                throw new IllegalStateException("key " + message.key() + ": message " + message.order()
                        + " arrived when " + s.count() + " were handled");
            }
            RunningSumState next = new RunningSumState(s.count() + 1, s.sum() + message.value());
            state.set(next);
            return new RunningSumResponse(message.key(), next.count(), next.sum(), next.sum() / next.count());
        }
    }
}
