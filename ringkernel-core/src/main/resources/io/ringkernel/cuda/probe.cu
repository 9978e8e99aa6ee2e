// The probe kernel (io.ringkernel.cuda.probe.ProbeKernels): recomputes each request's checksum on
// the device, so a torn or stale read of a slot shows up as valid == 0, and reports device-side
// timestamps (%globaltimer) that split the round trip into its parts.

#ifdef RK_HAS_ProbeRequest
__device__ uint32_t probe_checksum(const ProbeRequest* in) {
    uint32_t h = 0x811C9DC5u;
    h = (h ^ (uint32_t) in->sequence) * 0x01000193u;
    h = (h ^ (uint32_t) ((uint64_t) in->sequence >> 32)) * 0x01000193u;
    for (int i = 0; i < 13; i++) {
        h = (h ^ (uint32_t) in->words[i]) * 0x01000193u;
    }
    return h;
}

__device__ int rk_handle(const ProbeRequest* in, ProbeResponse* out, rk_context* ctx) {
    if (ctx->thread == 0) {
        const uint32_t h = probe_checksum(in);
        out->sequence = in->sequence;
        out->checksum = (int32_t) h;
        out->valid = h == (uint32_t) in->checksum ? 1 : 0;
        const uint64_t now = rk_now();
        out->pollNanos = (int32_t) (ctx->seen_ns - ctx->poll_ns);
        out->deviceNanos = (int32_t) (now - ctx->seen_ns);
        out->handledAt = (int64_t) now;
    }
    return 0;
}
#endif
