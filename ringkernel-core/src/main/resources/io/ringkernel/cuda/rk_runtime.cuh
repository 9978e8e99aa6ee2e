// ringkernel CUDA runtime, part 1 of 2: what a handler sees.
//
// A kernel's source is assembled as: this header, the C structs generated from the Java message
// records (MessageLayout.cStruct(), each followed by `#define RK_HAS_<Name> 1`), the macros that
// name them (RK_REQUEST, RK_RESPONSE, RK_KEY_TYPE and RK_KEY_OFFSET when the request has a key, and
// for stateful kernels RK_STATE), the user's handler file, then rk_loop.cuh, the persistent dispatch
// loop.
//
// Handler signatures (pick the one that matches the kernel):
//
//   stateless:  __device__ int rk_handle(const Req* in, Resp* out, rk_context* ctx);
//   stateful:   __device__ void rk_init_state(int64_t key, State* state);
//               __device__ int rk_handle(const Req* in, State* state, Resp* out, rk_context* ctx);
//
// A handler is called by a GROUP of threads for one message, a warp (32 threads), so several
// messages of a batch run at once on different warps. On stateful kernels a key's messages always
// go to the same warp, which handles them one after another in the order they were sent; other
// keys run on other warps meanwhile. A stateless kernel that sends to other kernels does the same
// when its requests have a key, so what it sends keeps its order per key, and otherwise handles its
// batch on one warp, so what it sends keeps its order. ctx->thread and ctx->threads let the group
// split the work; call rk_group_sync(ctx) between phases that depend on each other's writes. `*out`
// is zeroed before the call; `*in`, `*out` and `*state` live in shared memory. Return 0 on success
// or a positive error code (any thread may return it); the message's future then fails with that
// code, and a stateful kernel's state keeps its value from before the call. rk_init_state runs on
// one thread.
// A handler that writes a device buffer the host will copy out ends with __threadfence(), so the
// writes are visible device-wide before its reply can reach the host.
//
// Links (kernels created together in an io.ringkernel.graph.KernelNetwork): for every kernel the
// definition links to and every topic it publishes to, the assembled source declares
//
//   __device__ int rk_send_<kernel>(rk_context* ctx, const Msg* m);    one-way
//   __device__ int rk_forward_<kernel>(rk_context* ctx, const Msg* m); hand the caller's request on
//   __device__ int rk_publish_<topic>(rk_context* ctx, const Msg* m);  one-way, to every subscriber
//
// (names with characters other than letters, digits and '_' have them replaced by '_'). Call them
// from ONE thread of the group (ctx->thread == 0): that thread's *m is what is sent. They write
// straight into the target's ring in device memory under the target's backpressure policy and
// return RK_SENT, RK_DROPPED (DROP_NEWEST, ring full; counted on the link) or a positive RK_ERROR_*
// code, which the handler may return to fail its message. rk_forward never drops: a full
// DROP_NEWEST target is RK_ERROR_DROPPED, and if the handler returns 0 after a failed forward the
// caller still gets that error. After a successful rk_forward the reply comes from the target (or
// the kernel it forwards to in turn) and the handler's own *out is discarded. rk_publish returns
// RK_SENT unless a subscriber refused (its error, after trying the others). A message that points
// at memory the handler wrote needs __threadfence() before it is sent.
#ifndef RK_RUNTIME_CUH
#define RK_RUNTIME_CUH

#ifdef __CUDACC_RTC__
// NVRTC ships no C library headers; these are the LP64 definitions of <stdint.h>.
typedef signed char int8_t;
typedef unsigned char uint8_t;
typedef short int16_t;
typedef unsigned short uint16_t;
typedef int int32_t;
typedef unsigned int uint32_t;
typedef long int64_t;
typedef unsigned long uint64_t;
#else
#include <stdint.h>
#endif

/** A device buffer handle (io.ringkernel.layout.BufferHandle): a device address and a size. */
typedef struct rk_buffer {
    uint64_t address;
    uint64_t byte_length;
} rk_buffer;
static_assert(sizeof(rk_buffer) == 16, "rk_buffer must match BufferHandle.BYTES");

/** Error code the runtime reports when a stateful kernel's state table has no free entry. */
#define RK_ERROR_STATE_TABLE_FULL 0x7F000001
/** Link results (see the header comment). */
#define RK_SENT 0
#define RK_DROPPED (-1)
/** The target's ring was full and its policy is REJECT, or BLOCK and its block timeout passed. */
#define RK_ERROR_REJECTED 0x7F000002
/** The target was terminated: the message was not delivered. */
#define RK_ERROR_TARGET_STOPPED 0x7F000003
/** rk_forward to a DROP_NEWEST target whose ring was full. */
#define RK_ERROR_DROPPED 0x7F000004
/** rk_forward twice for one message. */
#define RK_ERROR_ALREADY_FORWARDED 0x7F000005
/** The kernel runs outside a network, so it has no links. */
#define RK_ERROR_NO_LINK 0x7F000006
/** rk_forward of a request to a kernel that answers another response type. */
#define RK_ERROR_NOT_FORWARDABLE 0x7F000007

/** The kernel's links, in shared memory; defined by the dispatch loop. */
typedef struct rk_links rk_links;

/** What a handler knows besides its message. */
typedef struct rk_context {
    uint64_t sequence;  // the correlation id: the host caller's request sequence, kept along forwards
    int64_t key;        // the message's key on stateful kernels, else 0
    uint32_t thread;    // this thread's index in the group handling the message
    uint32_t threads;   // size of that group: 32
    uint64_t poll_ns;   // %globaltimer when the poll that found the message was issued
    uint64_t seen_ns;   // %globaltimer when that poll's reads had all returned
    rk_links* links;    // this kernel's links, null outside a network
    uint32_t origin;    // 0 if this kernel's own caller waits, else the forwarding origin
    uint32_t reply;     // 1 if a caller waits for a reply to this message
    uint32_t forwarded; // set by a successful rk_forward (thread 0)
    uint32_t forward_error; // set by a failed rk_forward (thread 0)
} rk_context;

/** A typed device pointer to a buffer's first element. */
template <typename T>
__device__ __forceinline__ T* rk_ptr(rk_buffer b) {
    return reinterpret_cast<T*>(b.address);
}

/** Barrier over the group that handles one message. */
__device__ __forceinline__ void rk_group_sync(const rk_context* ctx) {
    if (ctx->threads == 32) {
        __syncwarp();
    } else {
        __syncthreads();
    }
}

/** Device time in nanoseconds (%globaltimer). */
__device__ __forceinline__ uint64_t rk_now() {
    uint64_t t;
    asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(t));
    return t;
}

#endif  // RK_RUNTIME_CUH
