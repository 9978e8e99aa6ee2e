// ringkernel CUDA runtime, part 2 of 2: the persistent dispatch loop (one block per ring kernel).
//
// It follows the same protocol as io.ringkernel.cpu.CpuKernelEngine, over pinned, device-mapped
// host memory laid out as io.ringkernel.ring.MessageRing and io.ringkernel.ring.ControlBlock:
//   - read the run state (INACTIVE: sleep; TERMINATE: mark exited and return);
//   - poll the next request slot(s) with ONE round of parallel loads: every 64-bit word carries the
//     slot's tag in its high half, so a slot whose words all carry the expected tag is complete,
//     however the words arrived; no counter is read first (each read of host memory is ~1 us);
//   - handle each message, write each reply slot with the tag in every word (posted writes),
//     fence, then publish the indices the host uses for flow control and telemetry.
// After one message is found the loop reads a window of following slots in the same round trip,
// so a burst costs one PCIe read latency per window instead of per message.

#define RK_FLAG_REPLY 1u
#define RK_FLAG_SKIP 2u
#define RK_STATUS_OK 0u
#define RK_STATUS_FAILED 1u
#define RK_INACTIVE 0ull
#define RK_ACTIVE 1ull
#define RK_TERMINATE 2ull

// MessageRing offsets in bytes (see its Javadoc).
#define RK_RING_PRODUCER 0
#define RK_RING_CONSUMER 256
#define RK_RING_SLOTS 384
// ControlBlock offsets in bytes.
#define RK_CB_RUN_STATE 0
#define RK_CB_EXITED 128
#define RK_CB_CONSUMED 136
#define RK_CB_HEARTBEAT 144
#define RK_CB_FAILED 152
#define RK_CB_ERROR_CODE 160
#define RK_CB_ERROR_SEQ 168
#define RK_CB_SEEN_COMMAND 176
// The run word is (epoch << 8) | state; the loop echoes the whole word to RK_CB_SEEN_COMMAND so the
// host knows a command (e.g. a deactivation) has taken effect.
#define RK_RUN_STATE_MASK 0xFFull

// Loads in flight per thread per poll; the host sizes the window so that window * request words
// fits RK_LOADS * blockDim.x.
#define RK_LOADS 8
#define RK_MAX_WINDOW 64
// Heartbeat period in ns of %globaltimer.
#define RK_HEARTBEAT_NS 100000ull

/** Kernel parameters; mirrored byte for byte by io.ringkernel.cuda.LaunchParams. */
typedef struct rk_params {
    uint64_t requests;      // device address of the request ring region (mapped host memory)
    uint64_t responses;     // device address of the response ring region (mapped host memory)
    uint64_t control;       // device address of the control block (mapped host memory)
    uint64_t state_table;   // device memory of a stateful kernel's state table, else 0
    uint32_t capacity_log2; // log2 of both rings' capacity
    uint32_t request_words; // 64-bit words per request slot (a multiple of 8)
    uint32_t response_words;// 64-bit words per response slot (a multiple of 8)
    uint32_t window;        // most request slots read per poll (<= RK_MAX_WINDOW)
    uint32_t state_slots;   // entries in the state table (power of two), else 0
    uint32_t idle_sleep_ns; // __nanosleep while INACTIVE
} rk_params;
static_assert(sizeof(rk_params) == 56, "rk_params must match LaunchParams.BYTES");

__device__ __forceinline__ uint64_t rk_load(uint64_t addr) {
    uint64_t v;
    asm volatile("ld.relaxed.sys.global.u64 %0, [%1];" : "=l"(v) : "l"(addr));
    return v;
}

__device__ __forceinline__ void rk_store(uint64_t addr, uint64_t v) {
    asm volatile("st.relaxed.sys.global.u64 [%0], %1;" ::"l"(addr), "l"(v) : "memory");
}

#if RK_STATEFUL
/** One state-table entry: key, used flag, then the state struct. */
typedef struct rk_state_entry {
    int64_t key;
    uint64_t used;
    RK_STATE state;
} rk_state_entry;
static_assert(sizeof(rk_state_entry) == RK_STATE_ENTRY_BYTES, "state entry size differs from the host's");

__device__ __forceinline__ uint64_t rk_hash(uint64_t k) {
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdull;
    k ^= k >> 33;
    k *= 0xc4ceb9fe1a85ec53ull;
    k ^= k >> 33;
    return k;
}

/** Open addressing with linear probing; returns null when the table is full. */
__device__ rk_state_entry* rk_find_state(const rk_params& p, int64_t key) {
    rk_state_entry* table = reinterpret_cast<rk_state_entry*>(p.state_table);
    uint32_t mask = p.state_slots - 1;
    uint32_t i = (uint32_t) rk_hash((uint64_t) key) & mask;
    for (uint32_t n = 0; n < p.state_slots; n++, i = (i + 1) & mask) {
        if (!table[i].used || table[i].key == key) {
            return &table[i];
        }
    }
    return nullptr;
}
#endif

extern "C" __global__ void __launch_bounds__(1024) rk_ring_kernel(rk_params p) {
    extern __shared__ __align__(16) unsigned char rk_smem[];
    // Request chunks (the low halves of each slot's words) of the window, then the response
    // chunks staged for each handled slot: structs are read and written in place there.
    uint32_t* const req = reinterpret_cast<uint32_t*>(rk_smem);
    uint32_t* const resp = req + p.window * p.request_words;
#if RK_STATEFUL
    RK_STATE* const state_scratch = reinterpret_cast<RK_STATE*>(resp + p.window * p.response_words);
    __shared__ rk_state_entry* s_entry;
    __shared__ int s_rc;
#endif
    // Rotating by iteration (mod 3) lets one barrier per poll suffice: a cell is reset two
    // barriers after it was last read and one barrier before it is next written.
    __shared__ uint32_t s_bad[3];
    __shared__ uint64_t s_run[3];
    __shared__ uint32_t s_reply_src[RK_MAX_WINDOW];
    __shared__ uint32_t s_replies;
    __shared__ uint32_t s_abort;
    __shared__ uint32_t s_failed;
    __shared__ uint32_t s_error_code;
    __shared__ uint64_t s_error_seq;

    const uint32_t tid = threadIdx.x;
    const uint32_t nthreads = blockDim.x;
    const uint64_t capacity = 1ull << p.capacity_log2;
    const uint64_t mask = capacity - 1;
    const uint32_t rw = p.request_words;
    const uint64_t req_slots = p.requests + RK_RING_SLOTS;
    const uint64_t resp_slots = p.responses + RK_RING_SLOTS;

    uint64_t seq = 0;          // next request sequence
    uint64_t resp_next = 0;    // next response sequence
    uint64_t resp_limit = capacity;  // thread 0: cached host consumer index + capacity
    uint64_t failed = 0;       // thread 0
    uint64_t beats = 0;        // thread 0
    uint64_t last_beat = rk_now();
    uint64_t seen_command = ~0ull;
    uint32_t window = 1;
    uint32_t cur = 0;

#if RK_STATEFUL
    // The table comes from a reused device arena; clearing it here needs no driver call (a memset
    // from the host could wait for the other ring kernels running on the device).
    {
        uint64_t* table = reinterpret_cast<uint64_t*>(p.state_table);
        const uint64_t n = (uint64_t) p.state_slots * sizeof(rk_state_entry) / 8;
        for (uint64_t i = tid; i < n; i += nthreads) {
            table[i] = 0;
        }
    }
#endif
    if (tid == 0) {
        s_bad[1] = 0xffffffffu;
        s_bad[2] = 0xffffffffu;
        s_abort = 0;
        s_failed = 0;
    }
    __syncthreads();

    while (true) {
        cur = cur == 2 ? 0 : cur + 1;
        const uint32_t nxt = cur == 2 ? 0 : cur + 1;
        if (tid == 0) {
            s_bad[nxt] = 0xffffffffu;
        }
        // ---- one round trip: the window's words, and the run state from the last thread
        const uint64_t poll_ns = rk_now();
        const uint32_t words = window * rw;
        uint64_t v[RK_LOADS];
#pragma unroll
        for (int j = 0; j < RK_LOADS; j++) {
            const uint32_t k = tid + j * nthreads;
            if (k < words) {
                const uint32_t slot = k / rw;
                const uint64_t s = seq + slot;
                v[j] = rk_load(req_slots + ((s & mask) * rw + (k - slot * rw)) * 8);
            }
        }
        uint64_t run = 0;
        if (tid == nthreads - 1) {
            run = rk_load(p.control + RK_CB_RUN_STATE);
        }
#pragma unroll
        for (int j = 0; j < RK_LOADS; j++) {
            const uint32_t k = tid + j * nthreads;
            if (k < words) {
                const uint32_t slot = k / rw;
                const uint64_t tag = ((seq + slot) >> p.capacity_log2) + 1;
                if ((v[j] >> 32) != tag) {
                    atomicMin(&s_bad[cur], slot);
                }
                req[k] = (uint32_t) v[j];
            }
        }
        if (tid == nthreads - 1) {
            s_run[cur] = run;
        }
        __syncthreads();
        const uint64_t seen_ns = rk_now();
        const uint64_t command = s_run[cur];
        run = command & RK_RUN_STATE_MASK;
        const uint32_t ready = min(s_bad[cur], window);
        if (tid == 0 && command != seen_command) {
            seen_command = command;
            rk_store(p.control + RK_CB_SEEN_COMMAND, command);
        }

        if (tid == 0 && seen_ns - last_beat > RK_HEARTBEAT_NS) {
            last_beat = seen_ns;
            rk_store(p.control + RK_CB_HEARTBEAT, ++beats);
        }
        if (run == RK_TERMINATE) {
            break;
        }
        if (run != RK_ACTIVE) {
            window = 1;
            __nanosleep(p.idle_sleep_ns);
            continue;
        }
        if (ready == 0) {
            window = 1;
            continue;
        }

        // ---- handle
#if RK_STATEFUL
        for (uint32_t s = 0; s < ready; s++) {
            const uint32_t* in = req + s * rw;
            uint32_t* out = resp + s * p.response_words;
            const uint32_t flags = in[0];
            if (flags & RK_FLAG_SKIP) {
                continue;
            }
            const RK_REQUEST* msg = reinterpret_cast<const RK_REQUEST*>(in + 4);
            const int64_t key = (int64_t) *reinterpret_cast<const RK_KEY_TYPE*>(
                    reinterpret_cast<const unsigned char*>(msg) + RK_KEY_OFFSET);
            for (uint32_t w = 4 + tid; w < p.response_words; w += nthreads) {
                out[w] = 0;
            }
            if (tid == 0) {
                s_rc = 0;
                rk_state_entry* e = rk_find_state(p, key);
                s_entry = e;
                if (e != nullptr) {
                    if (e->used) {
                        *state_scratch = e->state;
                    } else {
                        rk_init_state(key, state_scratch);
                    }
                }
            }
            __syncthreads();
            rk_state_entry* entry = s_entry;
            int rc = RK_ERROR_STATE_TABLE_FULL;
            if (entry != nullptr) {
                rk_context ctx = {seq + s, key, tid, nthreads, poll_ns, seen_ns};
                rc = rk_handle(msg, state_scratch, reinterpret_cast<RK_RESPONSE*>(out + 4), &ctx);
                if (rc != 0) {
                    atomicCAS(&s_rc, 0, rc);
                }
            }
            __syncthreads();
            if (tid == 0) {
                rc = entry != nullptr ? s_rc : RK_ERROR_STATE_TABLE_FULL;
                if (rc == 0) {
                    entry->state = *state_scratch;
                    entry->key = key;
                    entry->used = 1;
                } else {
                    s_failed++;
                    s_error_code = (uint32_t) rc;
                    s_error_seq = seq + s;
                }
                out[0] = rc == 0 ? RK_STATUS_OK : RK_STATUS_FAILED;
                out[1] = in[1];
                out[2] = in[2];
                out[3] = (uint32_t) rc;
            }
            __syncthreads();
        }
#else
        const uint32_t lane = tid & 31;
        const uint32_t nwarps = nthreads >> 5;
        for (uint32_t s = tid >> 5; s < ready; s += nwarps) {
            const uint32_t* in = req + s * rw;
            uint32_t* out = resp + s * p.response_words;
            if (in[0] & RK_FLAG_SKIP) {
                continue;
            }
            for (uint32_t w = 4 + lane; w < p.response_words; w += 32) {
                out[w] = 0;
            }
            __syncwarp();
            rk_context ctx = {seq + s, 0, lane, 32, poll_ns, seen_ns};
            const int rc = rk_handle(reinterpret_cast<const RK_REQUEST*>(in + 4),
                                     reinterpret_cast<RK_RESPONSE*>(out + 4), &ctx);
            __syncwarp();
            const uint32_t bad = __ballot_sync(0xffffffffu, rc != 0);
            const int code = __shfl_sync(0xffffffffu, rc, bad ? __ffs(bad) - 1 : 0);
            if (lane == 0) {
                if (code != 0) {
                    atomicAdd(&s_failed, 1u);
                    s_error_code = (uint32_t) code;
                    s_error_seq = seq + s;
                }
                out[0] = code == 0 ? RK_STATUS_OK : RK_STATUS_FAILED;
                out[1] = in[1];
                out[2] = in[2];
                out[3] = (uint32_t) code;
            }
        }
        __syncthreads();
#endif

        // ---- reserve reply slots; wait (bounded by TERMINATE) while the host has not consumed
        if (tid == 0) {
            uint32_t r = 0;
            for (uint32_t s = 0; s < ready; s++) {
                const uint32_t flags = req[s * rw];
                if ((flags & RK_FLAG_REPLY) && !(flags & RK_FLAG_SKIP)) {
                    s_reply_src[r++] = s;
                }
            }
            s_replies = r;
            while (resp_next + r > resp_limit) {
                resp_limit = rk_load(p.responses + RK_RING_CONSUMER) + capacity;
                if (resp_next + r <= resp_limit) {
                    break;
                }
                if ((rk_load(p.control + RK_CB_RUN_STATE) & RK_RUN_STATE_MASK) == RK_TERMINATE) {
                    s_abort = 1;
                    break;
                }
                __nanosleep(1000);
            }
        }
        __syncthreads();
        if (s_abort) {
            break;
        }
        // ---- write replies: the tag in every word, so the host needs no index to see them
        const uint32_t replies = s_replies;
        const uint32_t rwords = p.response_words;
        for (uint32_t k = tid; k < replies * rwords; k += nthreads) {
            const uint32_t r = k / rwords;
            const uint32_t w = k - r * rwords;
            const uint64_t rs = resp_next + r;
            const uint64_t tag = (rs >> p.capacity_log2) + 1;
            const uint32_t chunk = resp[s_reply_src[r] * rwords + w];
            rk_store(resp_slots + ((rs & mask) * rwords + w) * 8, (tag << 32) | chunk);
        }
        __syncthreads();
        if (tid == 0) {
            // Replies become visible before the indices that account for them.
            __threadfence_system();
            rk_store(p.responses + RK_RING_PRODUCER, resp_next + replies);
            rk_store(p.requests + RK_RING_CONSUMER, seq + ready);
            if (s_failed != 0) {
                failed += s_failed;
                s_failed = 0;
                rk_store(p.control + RK_CB_ERROR_SEQ, s_error_seq);
                rk_store(p.control + RK_CB_ERROR_CODE, s_error_code);
                rk_store(p.control + RK_CB_FAILED, failed);
            }
            rk_store(p.control + RK_CB_CONSUMED, seq + ready);
        }
        seq += ready;
        resp_next += replies;
        window = min(p.window, RK_MAX_WINDOW);
    }
    __syncthreads();
    if (tid == 0) {
        __threadfence_system();
        rk_store(p.control + RK_CB_EXITED, 1);
    }
}
