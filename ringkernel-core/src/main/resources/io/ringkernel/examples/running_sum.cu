// CUDA handler of the stateful RunningSum example: per key, the count and sum of the values seen,
// and the running mean. Each request carries its position in its key's stream (`order`), so the
// handler also proves per-key ordering: a message out of order fails with RUNNING_SUM_OUT_OF_ORDER.
// A warp handles one message; a key's messages always reach the same warp, in order.

/** Error code: a message arrived before one that was sent earlier for the same key. */
#define RUNNING_SUM_OUT_OF_ORDER 2

#ifdef RK_HAS_RunningSumRequest
__device__ void rk_init_state(int64_t key, RunningSumState* state) {
    state->count = 0;
    state->sum = 0.0;
}

__device__ int rk_handle(const RunningSumRequest* in, RunningSumState* state, RunningSumResponse* out,
                         rk_context* ctx) {
    if (in->order != state->count) {
        return RUNNING_SUM_OUT_OF_ORDER;
    }
    // Every thread has read the state before thread 0 changes it.
    rk_group_sync(ctx);
    if (ctx->thread == 0) {
        state->count += 1;
        state->sum += in->value;
        out->key = in->key;
        out->count = state->count;
        out->sum = state->sum;
        out->mean = state->sum / (double) state->count;
    }
    return 0;
}
#endif
