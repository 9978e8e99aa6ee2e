// The loads, stores, clock and SM number of the latency floors (hop_floor.cu, hop_anatomy.cu,
// host_poll_floor.cu, cluster_hop.cu): the instructions the ring runtime (rk_links.cuh) polls and
// writes slots with.
#ifndef FLOOR_ACCESS_CUH
#define FLOOR_ACCESS_CUH
#include <cstdint>

__device__ __forceinline__ uint64_t ld_gpu(const volatile uint64_t* a) {
    uint64_t v;
    asm volatile("ld.relaxed.gpu.global.u64 %0, [%1];" : "=l"(v) : "l"(a));
    return v;
}
__device__ __forceinline__ uint64_t ld_sys(const volatile uint64_t* a) {
    uint64_t v;
    asm volatile("ld.relaxed.sys.global.u64 %0, [%1];" : "=l"(v) : "l"(a));
    return v;
}
__device__ __forceinline__ void st_gpu(volatile uint64_t* a, uint64_t v) {
    asm volatile("st.relaxed.gpu.global.u64 [%0], %1;" ::"l"(a), "l"(v) : "memory");
}
__device__ __forceinline__ void st_sys(volatile uint64_t* a, uint64_t v) {
    asm volatile("st.relaxed.sys.global.u64 [%0], %1;" ::"l"(a), "l"(v) : "memory");
}
// Cluster scope, and system scope on generic addresses, for slots in a cluster's shared memory
// (cluster_hop.cu).
__device__ __forceinline__ uint64_t ld_cluster(const volatile uint64_t* a) {
    uint64_t v;
    asm volatile("ld.relaxed.cluster.u64 %0, [%1];" : "=l"(v) : "l"(a));
    return v;
}
__device__ __forceinline__ void st_cluster(volatile uint64_t* a, uint64_t v) {
    asm volatile("st.relaxed.cluster.u64 [%0], %1;" ::"l"(a), "l"(v) : "memory");
}
__device__ __forceinline__ uint64_t ld_generic_sys(const volatile uint64_t* a) {
    uint64_t v;
    asm volatile("ld.relaxed.sys.u64 %0, [%1];" : "=l"(v) : "l"(a));
    return v;
}
__device__ __forceinline__ void st_generic_sys(volatile uint64_t* a, uint64_t v) {
    asm volatile("st.relaxed.sys.u64 [%0], %1;" ::"l"(a), "l"(v) : "memory");
}
/** The SM this thread runs on. */
__device__ __forceinline__ uint32_t smid() {
    uint32_t s;
    asm volatile("mov.u32 %0, %%smid;" : "=r"(s));
    return s;
}
/** %globaltimer, in ns. */
__device__ __forceinline__ uint64_t now() {
    uint64_t t;
    asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(t));
    return t;
}
#endif  // FLOOR_ACCESS_CUH
