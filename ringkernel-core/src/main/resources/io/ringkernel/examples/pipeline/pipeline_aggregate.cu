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
    // The reading, the state and the reply are in shared memory, where a store through one pointer
    // makes the compiler read the others again: the reading and the state are taken into registers.
    const PipelineReading r = *in;
    PipelineTotals t = *state;
    t.count += 1;
    t.sum = __dadd_rn(t.sum, r.value);
    t.max = fmax(t.max, r.value);
    *state = t;
    const bool anomaly = r.value > PIPELINE_ANOMALY;
    out->sensor = r.sensor;
    out->count = t.count;
    out->sum = t.sum;
    out->max = t.max;
    out->anomaly = anomaly ? 1 : 0;
    out->hopNanos = r.sentNanos != 0 ? (int64_t) (ctx->seen_ns - (uint64_t) r.sentNanos) : 0;
    out->pollNanos = (int64_t) (ctx->seen_ns - ctx->poll_ns);
#ifdef RK_TOPIC_alerts
    if (anomaly) {
        PipelineAlert alert;
        alert.sensor = r.sensor;
        alert.value = r.value;
        alert.count = t.count;
        alert.query = 0;
        alert.sentNanos = r.sentNanos;  // the first stage's stamp: the subscriber times two hops
        alert.enteredNanos = r.enteredNanos;  // and the whole pipeline
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
