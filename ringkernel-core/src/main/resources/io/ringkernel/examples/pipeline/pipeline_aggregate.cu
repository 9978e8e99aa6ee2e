// Aggregate stage of io.ringkernel.examples.pipeline.PipelineKernels: folds a reading into its
// sensor's totals, answers, and (when the kernel publishes to the topic alerts) publishes readings
// above PIPELINE_ANOMALY. Stateful: a warp calls it, thread 0 does the work.

#define PIPELINE_ANOMALY 100.0

__device__ void rk_init_state(int64_t key, PipelineTotals* state) {
    state->count = 0;
    state->sum = 0.0;
    state->max = __longlong_as_double(0xFFF0000000000000ll);
}

__device__ int rk_handle(const PipelineReading* in, PipelineTotals* state, PipelineSummary* out, rk_context* ctx) {
    if (ctx->thread != 0) {
        return 0;
    }
    state->count += 1;
    state->sum = __dadd_rn(state->sum, in->value);
    state->max = fmax(state->max, in->value);
    const bool anomaly = in->value > PIPELINE_ANOMALY;
    out->sensor = in->sensor;
    out->count = state->count;
    out->sum = state->sum;
    out->max = state->max;
    out->anomaly = anomaly ? 1 : 0;
    out->hopNanos = in->sentNanos != 0 ? (int64_t) (ctx->seen_ns - (uint64_t) in->sentNanos) : 0;
    out->pollNanos = (int64_t) (ctx->seen_ns - ctx->poll_ns);
#ifdef RK_TOPIC_alerts
    if (anomaly) {
        PipelineAlert alert;
        alert.sensor = in->sensor;
        alert.value = in->value;
        alert.count = state->count;
        alert.query = 0;
        alert.sentNanos = in->sentNanos;  // the first stage's stamp: the subscriber times two hops
        alert.enteredNanos = in->enteredNanos;  // and the whole pipeline
        out->stageNanos = (int64_t) (rk_now() - ctx->seen_ns);
        const int rc = rk_publish_alerts(ctx, &alert);
        if (rc > 0) {
            return rc;
        }
        return 0;
    }
#endif
    out->stageNanos = (int64_t) (rk_now() - ctx->seen_ns);
    return 0;
}
