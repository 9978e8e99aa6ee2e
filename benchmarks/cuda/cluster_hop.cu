// What a hop between two ring kernels would cost if they ran as blocks of one thread-block cluster
// (Hopper's distributed shared memory) instead of as separate launches that meet in device memory,
// and whether a slot written by one thread (as a handler's send writes it) can reach the target as
// fast as one that 16 lanes write, in device memory, without the warp.
//
// Two blocks of one cluster ping-pong a 16-word slot tagged as the runtime tags link slots (the
// round number in the high half of every word); each polls its own inbox with one warp (16 lanes a
// word, one vote), the way a sprinting stage polls a link. Half a round trip is the one-way latency.
// Every shape runs in the same kernel shape, so both blocks sit on the same pair of SMs throughout:
//   - device memory, written and polled at .gpu scope (what links do today), the slot written by
//     one thread; by one thread, only the 12 words a 32-byte message fills (the receiver checking
//     those); by one thread in 8 two-word stores; by 16 lanes; by one thread composing it in shared
//     memory and bulk-copying it out (cp.async.bulk, the tensor memory accelerator); by lanes 1-16
//     that wait outside a handler while lane 0 stages the slot in shared memory (the only way a send
//     called by one thread could borrow the warp without waiting for the handler to return);
//   - the receiver's shared memory, written remotely through the address cluster.map_shared_rank
//     gives: at cluster scope by one thread and by 16 lanes, and at system scope with generic
//     addresses by one thread (the runtime's loads and stores, were they generic).
// The kernel's own hop (docs/performance.md) adds the dispatch around these.
//
//   nvcc -O3 -arch=sm_90 -o cluster_hop cluster_hop.cu && ./cluster_hop
// (scripts/gpu-tests.sh cluster-hop runs the binary built by stage on the GPU machine.)
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cooperative_groups.h>
#include <cuda_runtime.h>
#include "floor_access.cuh"

namespace cg = cooperative_groups;

#define ROUNDS 20000
#define SLOT_WORDS 16
#define REPEATS 5

// Where the slots are and with which instructions they are written and polled.
enum Memory { DEVICE, CLUSTER, CLUSTER_SYS };
// Who writes a slot.
enum Writer { ONE_THREAD, ONE_THREAD_12_WORDS, ONE_THREAD_PAIRS, LANES, BULK_COPY, HELPER_LANES };

template <Memory M>
__device__ __forceinline__ void store(uint64_t* a, uint64_t v) {
    if (M == DEVICE) {
        st_gpu(a, v);
    } else if (M == CLUSTER) {
        st_cluster(a, v);
    } else {
        st_generic_sys(a, v);
    }
}

template <Memory M>
__device__ __forceinline__ uint64_t load(const uint64_t* a) {
    return M == DEVICE ? ld_gpu(a) : (M == CLUSTER ? ld_cluster(a) : ld_generic_sys(a));
}

/** The block's hand-off between lane 0 and the helper lanes (HELPER_LANES). */
struct Helpers {
    volatile uint64_t mail;  // the round whose slot lane 0 has staged
    volatile uint64_t done;  // the round lane 0 is done with
    uint32_t acks;           // words the helpers have stored, over all rounds
};

/** Writes round i's slot, tagged, into `stage` (16 words of this block's shared memory). */
__device__ __forceinline__ void compose(uint64_t* stage, uint64_t i) {
#pragma unroll
    for (uint32_t w = 0; w < SLOT_WORDS; w++) {
        stage[w] = (i << 32) | w;
    }
}

/** Writes round i's slot at `to`, as `W` says; `stage` is 16 words of this block's shared memory. */
template <Memory M, Writer W>
__device__ __forceinline__ void put(uint64_t* to, uint64_t* stage, Helpers& h, uint64_t i) {
    const uint32_t lane = threadIdx.x;
    if (W == LANES) {
        if (lane < SLOT_WORDS) {
            store<M>(to + lane, (i << 32) | lane);
        }
    } else if (W == ONE_THREAD_PAIRS) {
        if (lane == 0) {
#pragma unroll
            for (uint32_t w = 0; w < SLOT_WORDS; w += 2) {
                asm volatile("st.relaxed.gpu.global.v2.u64 [%0], {%1, %2};" ::"l"(to + w), "l"((i << 32) | w),
                             "l"((i << 32) | (w + 1))
                             : "memory");
            }
        }
    } else if (W == BULK_COPY) {
        if (lane == 0) {
            compose(stage, i);
            // The proxy fence makes the staged words visible to the copy; the wait is for the copy to
            // have read them (so that the next round may write them), not for it to land.
            asm volatile(
                "fence.proxy.async.shared::cta;\n\t"
                "cp.async.bulk.global.shared::cta.bulk_group [%0], [%1], %2;\n\t"
                "cp.async.bulk.commit_group;\n\t"
                "cp.async.bulk.wait_group.read 0;" ::"l"(to),
                "r"((uint32_t) __cvta_generic_to_shared(stage)), "n"(SLOT_WORDS * 8)
                : "memory");
        }
    } else if (W == HELPER_LANES) {
        if (lane == 0) {
            compose(stage, i);
            __threadfence_block();
            h.mail = i;
            while (*reinterpret_cast<volatile uint32_t*>(&h.acks) < SLOT_WORDS * i) {
            }
            h.done = i;
        } else {
            bool served = lane > SLOT_WORDS;
            while (h.done != i) {
                if (!served && h.mail == i) {
                    __threadfence_block();
                    store<M>(to + lane - 1, *reinterpret_cast<volatile uint64_t*>(&stage[lane - 1]));
                    atomicAdd(&h.acks, 1u);
                    served = true;
                }
            }
        }
        __syncwarp();
    } else if (lane == 0) {
        const uint32_t words = W == ONE_THREAD_12_WORDS ? 12 : SLOT_WORDS;
#pragma unroll
        for (uint32_t w = 0; w < words; w++) {
            store<M>(to + w, (i << 32) | w);
        }
    }
}

/** The warp polls the first `words` words of the slot at `at` until each carries round i's tag. */
template <Memory M>
__device__ __forceinline__ void await(const uint64_t* at, uint32_t words, uint64_t i) {
    const uint32_t lane = threadIdx.x;
    while (true) {
        const bool tagged = lane >= words || (load<M>(at + lane) >> 32) == i;
        if (__all_sync(0xffffffffu, tagged)) {
            return;
        }
    }
}

// Block 0 sends round i to block 1 and waits for its answer; block 1 answers each round. In device
// memory the two inboxes are `global` and 256 bytes after it. One warp a block.
template <Memory M, Writer W>
__global__ void __cluster_dims__(2, 1, 1) slotpong(uint64_t* global, unsigned long long* out) {
    __shared__ __align__(128) uint64_t inbox[SLOT_WORDS];
    __shared__ __align__(128) uint64_t stage[SLOT_WORDS];
    __shared__ Helpers helpers;
    cg::cluster_group cluster = cg::this_cluster();
    const uint32_t me = cluster.block_rank();
    if (threadIdx.x < SLOT_WORDS) {
        inbox[threadIdx.x] = 0;
    }
    if (threadIdx.x == 0) {
        helpers.mail = 0;
        helpers.done = 0;
        helpers.acks = 0;
    }
    cluster.sync();  // both inboxes exist and are zeroed before either block writes the other's
    uint64_t* mine = M == DEVICE ? global + me * 32 : inbox;
    uint64_t* theirs = M == DEVICE ? global + (me ^ 1) * 32 : cluster.map_shared_rank(inbox, me ^ 1);
    const uint32_t words = W == ONE_THREAD_12_WORDS ? 12 : SLOT_WORDS;
    const uint64_t t0 = now();
    for (uint64_t i = 1; i <= ROUNDS; i++) {
        if (me == 0) {
            put<M, W>(theirs, stage, helpers, i);
            await<M>(mine, words, i);
        } else {
            await<M>(mine, words, i);
            put<M, W>(theirs, stage, helpers, i);
        }
    }
    if (threadIdx.x == 0) {
        if (me == 0) {
            out[0] = now() - t0;
        }
        out[1 + me] = smid();
    }
    cluster.sync();  // neither block leaves while the other may still write its shared memory
}

struct Shape {
    const char* name;
    void (*kernel)(uint64_t*, unsigned long long*);
};

int main() {
    cudaDeviceProp prop;
    cudaGetDeviceProperties(&prop, 0);
    int clusters = 0;
    cudaDeviceGetAttribute(&clusters, cudaDevAttrClusterLaunch, 0);
    printf("device 0: %s, cluster launch %s\n", prop.name, clusters ? "supported" : "NOT supported");
    if (!clusters) {
        return 1;
    }
    const Shape shapes[] = {
        {"device memory, slot by one thread", slotpong<DEVICE, ONE_THREAD>},
        {"device memory, 12 words by one thread", slotpong<DEVICE, ONE_THREAD_12_WORDS>},
        {"device memory, one thread, 8 two-word stores", slotpong<DEVICE, ONE_THREAD_PAIRS>},
        {"device memory, slot by 16 lanes", slotpong<DEVICE, LANES>},
        {"device memory, bulk copy by one thread", slotpong<DEVICE, BULK_COPY>},
        {"device memory, helper lanes", slotpong<DEVICE, HELPER_LANES>},
        {"cluster shared memory, slot by one thread", slotpong<CLUSTER, ONE_THREAD>},
        {"cluster shared memory, slot by 16 lanes", slotpong<CLUSTER, LANES>},
        {"cluster shared memory, one thread, .sys generic", slotpong<CLUSTER_SYS, ONE_THREAD>},
    };
    const int count = sizeof(shapes) / sizeof(shapes[0]);
    uint64_t* global;
    unsigned long long* out;
    cudaMalloc(&global, 4096);
    cudaMalloc(&out, 24);
    double ns[count][REPEATS];
    unsigned long long sms[count][REPEATS][2];
    // The shapes alternate within each repeat, so a drift of the machine shows in all of them alike.
    for (int r = 0; r < REPEATS; r++) {
        for (int s = 0; s < count; s++) {
            cudaMemset(global, 0, 4096);
            cudaMemset(out, 0, 24);
            shapes[s].kernel<<<2, 32>>>(global, out);
            const cudaError_t e = cudaDeviceSynchronize();
            if (e != cudaSuccess) {
                printf("%s: %s\n", shapes[s].name, cudaGetErrorString(e));
                return 1;
            }
            unsigned long long h[3];
            cudaMemcpy(h, out, sizeof(h), cudaMemcpyDeviceToHost);
            ns[s][r] = h[0] / (2.0 * ROUNDS);
            sms[s][r][0] = h[1];
            sms[s][r][1] = h[2];
        }
    }
    printf("one-way latency of a 16-word tagged slot, %d round trips a pass, %d passes (ns; the two blocks' SMs)\n", ROUNDS,
           REPEATS);
    for (int s = 0; s < count; s++) {
        double sorted[REPEATS];
        std::copy(ns[s], ns[s] + REPEATS, sorted);
        std::sort(sorted, sorted + REPEATS);
        printf("%-50s median %5.0f  passes", shapes[s].name, sorted[REPEATS / 2]);
        for (int r = 0; r < REPEATS; r++) {
            printf(" %5.0f (SM %llu/%llu)", ns[s][r], sms[s][r][0], sms[s][r][1]);
        }
        printf("\n");
    }
    cudaFree(global);
    cudaFree(out);
    return 0;
}
