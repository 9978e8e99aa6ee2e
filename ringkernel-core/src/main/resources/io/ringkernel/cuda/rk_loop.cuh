// ringkernel CUDA runtime, part 2 of 2: the persistent dispatch loop.
//
// It follows the same protocol as io.ringkernel.cpu.CpuKernelEngine, over pinned, device-mapped
// host memory laid out as io.ringkernel.ring.MessageRing and io.ringkernel.ring.ControlBlock:
//   - read the run state (INACTIVE: sleep; TERMINATE: mark exited and return);
//   - poll the next request slot(s) with ONE round of parallel loads: every 64-bit word carries the
//     slot's tag in its high half, so a slot whose words all carry the expected tag is complete,
//     however the words arrived; no counter is read first (each read of host memory is ~1 us);
//   - handle each message, write each reply slot with the tag in every word (posted writes),
//     then publish the indices the host uses for flow control and telemetry, ordered after the
//     replies by a release store, while the next poll's reads are in flight.
// While requests come one at a time, warp 0 alone polls and handles them (rk_sprint), without block
// barriers and without the run word's line in most reads, its first read after a reply paced to
// land after the caller's next request. When a burst comes the block takes over
// and reads a window of slots per round trip, doubling it while the burst fills it, so a burst
// costs one PCIe read latency per window instead of per message.
//
// A kernel that other kernels send to (rk_links.cuh) runs as TWO blocks. Block 0, the intake, polls
// the host's request ring and the control block and copies what it finds into the kernel's own
// ring in device memory (in[0]), and the run command into device memory. Block 1 runs the
// handlers: it polls only device memory (its intake ring and one ring per incoming link, all in
// one round of loads when idle, by warp 0 alone while messages come one at a time: rk_sprint_links),
// so a message from another kernel waits for no PCIe read. A kernel nobody sends to runs as one
// block polling the host ring, as described above.

#define RK_STATUS_OK 0u
#define RK_STATUS_FAILED 1u
#define RK_ORIGIN_SHIFT 8
#define RK_INACTIVE 0ull
#define RK_ACTIVE 1ull
#define RK_TERMINATE 2ull
// TERMINATE, and the host has stopped waiting for it: give up what cannot finish (a reply for which
// the host's ring has no room, the rest of a closing drain) and leave, links closed (ControlBlock).
#define RK_ABANDON 3ull

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
#define RK_CB_LINK_CONSUMED 184
// The run word is (epoch << 8) | state; the loop echoes the whole word to RK_CB_SEEN_COMMAND so the
// host knows a command (e.g. a deactivation) has taken effect.
#define RK_RUN_STATE_MASK 0xFFull
// The device-local area of a two-block kernel (bytes): the launch id once the handler block has
// cleared the intake ring, the run command copied by the intake block, the launch id once the
// intake block returned; the intake ring's header follows at RK_LOCAL_INTAKE_RING.
#define RK_LOCAL_READY 0
#define RK_LOCAL_RUN 64
#define RK_LOCAL_INTAKE_DONE 128
#define RK_LOCAL_INTAKE_RING 256
// Link counters in mapped host memory (8-byte words): out link e at 4e (sent, dropped, rejected,
// next sequence to claim), in link k's consumer index at RK_STATS_IN + k.
#define RK_STATS_IN (4 * RK_MAX_OUT)

// Loads in flight per thread per poll; the host sizes the window so that window * request words
// fits RK_LOADS * blockDim.x.
#define RK_LOADS 8
#define RK_MAX_WINDOW 64
// Heartbeat period in ns of %globaltimer.
#define RK_HEARTBEAT_NS 100000ull

// The block's dynamic shared memory: the request chunks (the low halves of each slot's words) of a
// window, the reply chunks staged for each handled slot, then on stateful kernels one state copy per
// warp and, if the host put it there, the state table (rk_state_table).
extern __shared__ __align__(16) unsigned char rk_smem[];

/** Kernel parameters; mirrored byte for byte by io.ringkernel.cuda.LaunchParams. */
typedef struct rk_params {
    uint64_t requests;      // device address of the request ring region (mapped host memory)
    uint64_t responses;     // device address of the response ring region (mapped host memory)
    uint64_t control;       // device address of the control block (mapped host memory)
    uint64_t state_table;   // a stateful kernel's state table in device memory; 0: in shared memory (rk_state_table)
    uint32_t capacity_log2; // log2 of both rings' capacity
    uint32_t request_words; // 64-bit words per request slot (a multiple of 8)
    uint32_t response_words;// 64-bit words per response slot (a multiple of 8)
    uint32_t window;        // most request slots read per poll (<= RK_MAX_WINDOW, >= in_count)
    uint32_t state_slots;   // entries in the state table (power of two), else 0
    uint32_t idle_sleep_ns; // __nanosleep while INACTIVE
    uint64_t local;         // two-block kernels: device memory, RK_LOCAL_* then the intake ring
    uint64_t link_stats;    // kernels in a network: link counters in mapped host memory, else 0
    uint64_t launch_id;     // new for every launch; its low 24 bits are never 0
    uint32_t self_origin;   // the origin a forward of this kernel's own caller's request carries
    uint32_t in_count;      // incoming rings, in[0] the intake ring; 0: one block polls the host ring
    uint32_t out_count;     // outgoing links: the declared links, then each topic's subscribers
    uint32_t topic_count;
    uint32_t topic_first[RK_MAX_TOPICS];
    uint32_t topic_size[RK_MAX_TOPICS];
    rk_edge out[RK_MAX_OUT];
    rk_edge in[RK_MAX_IN];
} rk_params;
static_assert(sizeof(rk_params) == 1184, "rk_params must match LaunchParams.BYTES");

#ifdef RK_KEY_OFFSET
__device__ __forceinline__ uint64_t rk_hash(uint64_t k) {
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdull;
    k ^= k >> 33;
    k *= 0xc4ceb9fe1a85ec53ull;
    k ^= k >> 33;
    return k;
}

/** The key of the request whose chunks are at `in`. */
__device__ __forceinline__ int64_t rk_key_of(const uint32_t* in) {
    return (int64_t) *reinterpret_cast<const RK_KEY_TYPE*>(reinterpret_cast<const unsigned char*>(in + 4) + RK_KEY_OFFSET);
}

/** The warp (of `nwarps`) that handles every message of `key`, in order. */
__device__ __forceinline__ uint32_t rk_warp_of(int64_t key, uint32_t nwarps) {
    return (uint32_t) (rk_hash((uint64_t) key) >> 40) % nwarps;
}

#define RK_NO_OWNER 0xFFu

/**
 * The warp: handle(s) for each of the first `ready` slots whose owner (rk_assign_owners) is `warp`,
 * in slot order. The warp reads 32 owners at once and votes, where testing the slots one by one
 * took 650-900 of the 3,500-4,600 cycles a reading cost the pipeline's first stage under load
 * (H100, docs/performance.md).
 */
template <typename Handle>
__device__ __forceinline__ void rk_for_own_slots(const uint8_t* owner, uint32_t ready, uint32_t warp, uint32_t lane,
                                                 Handle&& handle) {
    for (uint32_t s0 = 0; s0 < ready; s0 += 32) {
        uint32_t mine = __ballot_sync(0xffffffffu, s0 + lane < ready && owner[s0 + lane] == warp);
        while (mine != 0) {
            const uint32_t bit = __ffs(mine) - 1;
            mine &= mine - 1;
            handle(s0 + bit);
        }
    }
}

/**
 * The block, a thread a slot: which warp handles each of the `ready` slots from `base` (rk_warp_of
 * its key), RK_NO_OWNER for a skipped one. Each warp then finds its slots with one load from shared
 * memory each, where every warp hashing every slot's key cost the pipeline's first stage about 10 of
 * the 45 us of a 63-slot pass under load (H100, docs/performance.md).
 */
__device__ __forceinline__ void rk_assign_owners(const uint32_t* req, uint32_t base, uint32_t rw, uint32_t ready,
                                                 uint32_t nwarps, uint8_t* owner, uint32_t tid, uint32_t nthreads) {
    for (uint32_t s = tid; s < ready; s += nthreads) {
        const uint32_t* in = req + (base + s) * rw;
        owner[s] = (in[0] & RK_FLAG_SKIP) ? (uint8_t) RK_NO_OWNER : (uint8_t) rk_warp_of(rk_key_of(in), nwarps);
    }
}
#endif

#if RK_STATEFUL
/** One state-table entry: key, used flag, then the state struct. */
typedef struct rk_state_entry {
    int64_t key;
    uint64_t used;
    RK_STATE state;
} rk_state_entry;
static_assert(sizeof(rk_state_entry) == RK_STATE_ENTRY_BYTES, "state entry size differs from the host's");

#define RK_ENTRY_FREE 0ull
#define RK_ENTRY_READY 1ull
#define RK_ENTRY_CLAIMED 2ull

/**
 * The state table. A small one (the host's choice: io.ringkernel.cuda.CudaKernelEngine) lives in
 * the block's dynamic shared memory, after the request and reply chunks of a window and the warps'
 * state copies, where a lookup takes no trip to L2 (in a kernel that sends, every send's fence
 * invalidates the SM's L1): the H100 pipeline's aggregate stage took 0.38 us with its table there,
 * 0.48 us in device memory. Accesses below use generic addresses, so the same code serves either.
 */
__device__ __forceinline__ rk_state_entry* rk_state_table(const rk_params& p) {
    if (p.state_table != 0) {
        return reinterpret_cast<rk_state_entry*>(p.state_table);
    }
    const uint32_t chunks = p.window * (p.request_words + p.response_words);
    const uint32_t copies = ((sizeof(RK_STATE) + 15) & ~15u) * (blockDim.x / 32);
    return reinterpret_cast<rk_state_entry*>(rk_smem + chunks * 4 + copies);
}

// The state table (rk_state_table), set once by thread 0 before the loop starts. A lookup reads the
// address with one load that depends on nothing, where working it out from the kernel's parameters
// before every stateful handler put a chain of dependent instructions on the dispatching warp.
__shared__ rk_state_entry* rk_table;

/**
 * The home index of `key` in a table of `slots` entries: the key folded to 32 bits, times 2^32 / phi,
 * whose top bits pick the entry (multiply-shift). Three instructions where a 64-bit mixer took a
 * dozen, one after another, on the warp that dispatches a stateful kernel's messages; keys that
 * follow each other (sensor numbers) still land far apart.
 */
__device__ __forceinline__ uint32_t rk_home_index(int64_t key, uint32_t slots) {
    const uint32_t folded = (uint32_t) key ^ (uint32_t) ((uint64_t) key >> 32);
    return (uint32_t) (((uint64_t) (folded * 0x9E3779B1u) * slots) >> 32);
}

/** A state-table entry's `used` word, read with acquire at block scope (served by L1 or shared memory). */
__device__ __forceinline__ unsigned long long rk_entry_used(const unsigned long long* used) {
    unsigned long long v;
    asm volatile("ld.acquire.cta.u64 %0, [%1];" : "=l"(v) : "l"(used) : "memory");
    return v;
}

/**
 * One thread: the entry of `key`, inserted (with rk_init_state) if the key is new; null when the
 * table is full. Open addressing with linear probing. Warps of the block handle different keys at
 * once, so a free entry is claimed with a compare-and-swap and published READY once its key and
 * initial state are written; an inserted entry is never freed (a failed first message leaves the
 * initial state, which is what the next message of the key would start from anyway). Only the
 * block that runs the handlers touches the table, so every access is at block scope, which the
 * SM's L1 serves: a key found costs no trip to L2, where a device-scope atomic read and a volatile
 * read of the key went one after the other before every stateful handler.
 */
__device__ rk_state_entry* rk_find_state(const rk_params& p, int64_t key) {
    rk_state_entry* table = rk_table;
    const uint32_t mask = p.state_slots - 1;
    uint32_t i = rk_home_index(key, p.state_slots);
    for (uint32_t n = 0; n < p.state_slots; n++, i = (i + 1) & mask) {
        unsigned long long* used = reinterpret_cast<unsigned long long*>(&table[i].used);
        unsigned long long u = rk_entry_used(used);
        if (u == RK_ENTRY_FREE) {
            u = atomicCAS_block(used, RK_ENTRY_FREE, RK_ENTRY_CLAIMED);
            if (u == RK_ENTRY_FREE) {
                table[i].key = key;
                rk_init_state(key, &table[i].state);
                asm volatile("st.release.cta.u64 [%0], %1;" ::"l"(used), "l"(RK_ENTRY_READY) : "memory");
                return &table[i];
            }
        }
        while (u == RK_ENTRY_CLAIMED) {
            u = rk_entry_used(used);
        }
        // READY, read with acquire: the key and the state written before it are visible.
        if (table[i].key == key) {
            return &table[i];
        }
    }
    return nullptr;
}

/** A word of a state-table entry, read at block scope (served by L1 when the line is there, or shared memory). */
__device__ __forceinline__ uint64_t rk_entry_word(const rk_state_entry* entry, uint32_t word) {
    uint64_t v;
    asm volatile("ld.relaxed.cta.u64 %0, [%1];" : "=l"(v) : "l"(reinterpret_cast<const uint64_t*>(entry) + word));
    return v;
}

/**
 * The warp: the entry of `key`, its state copied into `scratch` (on every lane); null when the table
 * is full. The warp first reads the entry at the key's home index at once, a word a lane (the key,
 * `used`, the state's words): one trip to memory where rk_find_state takes three in a row (`used`
 * with acquire, then the key, then the state). In a kernel that sends, each of those was a trip to
 * L2, as every send's fence invalidates the SM's L1: the lookup took 0.51 us on the H100, this read
 * 0.29 us (docs/performance.md). Each lane copies its state word into `scratch` at once, so that
 * the copy does not wait for the vote. The entry is used when it shows the key's entry READY, which
 * then is this key's own: its state was last written by a warp that handled the key before, behind
 * a barrier or in this warp's own order. Otherwise lane 0 searches with rk_find_state and copies the
 * state it finds over the first copy: another key is there, an entry is being inserted, the key is 0
 * (a key read ahead of another warp's insert shows 0), or the state is not a whole number of 8-byte
 * words (the warps' copies are only 8-byte aligned then) or longer than 30 of them.
 */
__device__ __forceinline__ rk_state_entry* rk_lookup_state(const rk_params& p, int64_t key, RK_STATE* scratch,
                                                           uint32_t lane) {
    constexpr uint32_t words = 2 + sizeof(RK_STATE) / 8;
    constexpr bool at_once = sizeof(RK_STATE) % 8 == 0 && words <= 32;
    rk_state_entry* const home = rk_table + rk_home_index(key, p.state_slots);
    if (at_once && key != 0) {
        // Each lane checks its own word (lane 0 the key, lane 1 `used`) and the warp votes, instead
        // of shuffling both words to every lane: the dispatch runs on one warp, instruction after
        // dependent instruction, so every step shows in a stage's latency. The lanes after the
        // entry's words read its last word again, so that no lane branches around the load.
        const uint64_t v = rk_entry_word(home, lane < words ? lane : words - 1);
        if (lane >= 2 && lane < words) {
            reinterpret_cast<uint64_t*>(scratch)[lane - 2] = v;
        }
        const bool own = lane == 0 ? (int64_t) v == key : (lane == 1 ? v == RK_ENTRY_READY : true);
        if (__all_sync(0xffffffffu, own)) {
            __syncwarp();
            return home;
        }
        __syncwarp();  // the copies above, before lane 0's copy of the state it finds
    }
    rk_state_entry* entry = nullptr;
    if (lane == 0) {
        entry = rk_find_state(p, key);
        if (entry != nullptr) {
            *scratch = entry->state;
        }
    }
    entry = reinterpret_cast<rk_state_entry*>(__shfl_sync(0xffffffffu, reinterpret_cast<unsigned long long>(entry), 0));
    __syncwarp();
    return entry;
}
#endif

/** The warp: zeroes a staged reply's words after its header, so a handler finds `*out` zeroed. */
__device__ __forceinline__ void rk_clear_reply(const rk_params& p, uint32_t* out, uint32_t lane) {
    for (uint32_t w = 4 + lane; w < p.response_words; w += 32) {
        out[w] = 0;
    }
}

/**
 * The group's result for one message, for lane 0, which finishes it: the first non-zero return of
 * its lanes, else the error of a failed rk_forward (thread 0's). One vote, and a lane's code crosses
 * the warp only when a lane other than 0 failed: a handler whose lanes return at different times
 * (`if (ctx->thread != 0) return 0;`) leaves the warp split, and each warp-wide operation after it
 * then waits on the split's slow path (a barrier, a vote and three shuffles here took ~770 of the
 * 3,500-4,600 cycles a reading cost the pipeline's first stage under load, H100, docs/performance.md).
 */
__device__ __forceinline__ int rk_group_code(int rc, const rk_context& ctx) {
    const uint32_t bad = __ballot_sync(0xffffffffu, rc != 0);
    int code = rc;
    if (bad & ~1u) {
        code = __shfl_sync(0xffffffffu, rc, __ffs(bad) - 1);
    }
    if (code == 0 && ctx.forward_error != 0 && !ctx.forwarded) {
        code = (int) ctx.forward_error;
    }
    return code;
}

/**
 * Lane 0, after the handler: counts a failure, drops the reply of a message handed on (it comes
 * from downstream now), and writes the reply's header with the origin in its status word.
 */
__device__ __forceinline__ void rk_finish_message(uint32_t* in, uint32_t* out, uint32_t flags, int code, uint32_t forwarded,
                                                  uint64_t correlation, uint32_t& failed, uint32_t& error_code,
                                                  uint64_t& error_seq) {
    if (code != 0) {
        atomicAdd(&failed, 1u);
        error_code = (uint32_t) code;
        error_seq = correlation;
    }
    if (forwarded) {
        in[0] = flags & ~RK_FLAG_REPLY;
    }
    out[0] = (code == 0 ? RK_STATUS_OK : RK_STATUS_FAILED) | (in[3] << RK_ORIGIN_SHIFT);
    out[1] = in[1];
    out[2] = in[2];
    out[3] = (uint32_t) code;
}

/**
 * One warp handles one message: `in` holds its request chunks, its reply is staged in `out` (whose
 * words after the header are zeroed first unless `zeroed` says they are), lane 0 counts a failure.
 * Stateful kernels pass the message's key and the warp's copy of a state, which is loaded from the
 * key's table entry (inserted if new) and written back if the handler succeeds.
 */
__device__ __forceinline__ void rk_handle_message(const rk_params& p, uint32_t* in, uint32_t* out, bool zeroed,
                                                  uint32_t lane,
#if RK_STATEFUL
                                                  int64_t key, RK_STATE* scratch,
#endif
                                                  uint64_t poll_ns, uint64_t seen_ns, rk_links* links, uint32_t& failed,
                                                  uint32_t& error_code, uint64_t& error_seq) {
    const uint32_t flags = in[0];
    const uint64_t correlation = (uint64_t) in[1] | ((uint64_t) in[2] << 32);
    if (!zeroed) {
        rk_clear_reply(p, out, lane);
    }
#if RK_STATEFUL
    rk_state_entry* const entry = rk_lookup_state(p, key, scratch, lane);
    rk_context ctx = {correlation, key, lane, 32, poll_ns, seen_ns, links, in[3], (flags & RK_FLAG_REPLY) ? 1u : 0u, 0u, 0u};
    int rc = RK_ERROR_STATE_TABLE_FULL;
    if (entry != nullptr) {
        rc = rk_handle(reinterpret_cast<const RK_REQUEST*>(in + 4), scratch, reinterpret_cast<RK_RESPONSE*>(out + 4), &ctx);
    }
#else
    __syncwarp();
    rk_context ctx = {correlation, 0, lane, 32, poll_ns, seen_ns, links, in[3], (flags & RK_FLAG_REPLY) ? 1u : 0u, 0u, 0u};
    const int rc = rk_handle(reinterpret_cast<const RK_REQUEST*>(in + 4), reinterpret_cast<RK_RESPONSE*>(out + 4), &ctx);
#endif
#if RK_STATEFUL
    __syncwarp();  // the handler's lanes' writes to *scratch, before lane 0 copies it into the table
#endif
    // (The handler writes *out after its header, which only lane 0 writes below; the barrier at the
    // end orders both before anyone reads the reply.)
    const int code = rk_group_code(rc, ctx);
    if (lane == 0) {
#if RK_STATEFUL
        if (code == 0) {
            entry->state = *scratch;
        }
#endif
        rk_finish_message(in, out, flags, code, ctx.forwarded, correlation, failed, error_code, error_seq);
    }
    __syncwarp();
}

/**
 * The window of the next poll after one that found `ready` (> 0) slots of `window`: twice as many
 * while a burst fills them, else as many again (a poll that finds nothing starts over at one). A
 * sparse stream is polled a slot or two at a time, so the poll after a reply is not a full
 * window's read (a 64-slot read of host memory takes longer, and the next message waits for it);
 * under load the window stays wide, where shrinking it to what the last poll found cost a third
 * of the throughput.
 */
__device__ __forceinline__ uint32_t rk_next_window(const rk_params& p, uint32_t window, uint32_t ready) {
    return ready == window ? min(2 * window, min(p.window, RK_MAX_WINDOW)) : window;
}

/** One thread (thread 0, or lane 0 while warp 0 sprints): the heartbeat the host's watchdog follows. */
__device__ __forceinline__ void rk_beat(const rk_params& p, uint64_t now, uint64_t& last_beat, uint64_t& beats) {
    if (now - last_beat > RK_HEARTBEAT_NS) {
        last_beat = now;
        rk_store(p.control + RK_CB_HEARTBEAT, ++beats);
    }
}

/**
 * One thread: waits until a ring has room up to sequence `end` (its `limit`, the consumer index
 * read from `consumer` plus the capacity, is re-read while it has not), or the host commands
 * `give_up` (RK_TERMINATE or RK_ABANDON) or later; returns false in that case.
 */
__device__ bool rk_wait_for_room(const rk_params& p, uint64_t consumer, uint64_t capacity, uint64_t end, uint64_t& limit,
                                 unsigned sleep_ns, uint64_t give_up) {
    while (end > limit) {
        limit = rk_load(consumer) + capacity;
        if (end <= limit) {
            break;
        }
        if ((rk_load(p.control + RK_CB_RUN_STATE) & RK_RUN_STATE_MASK) >= give_up) {
            return false;
        }
        __nanosleep(sleep_ns);
    }
    return true;
}

/**
 * Block 0 of a two-block kernel: copies the host's requests into the intake ring and the run
 * command into device memory, so that the handler block never reads host memory to find work.
 */
__device__ void rk_intake(const rk_params& p, uint32_t* buf) {
    // Rotated by iteration like the handler block's (below): one barrier per pass suffices.
    __shared__ uint32_t s_bad[3];
    __shared__ uint64_t s_run[3];
    __shared__ uint32_t s_go;
    const uint32_t tid = threadIdx.x;
    const uint32_t nthreads = blockDim.x;
    const uint64_t capacity = 1ull << p.capacity_log2;
    const uint64_t mask = capacity - 1;
    const uint32_t rw = p.request_words;
    const uint64_t host_slots = p.requests + RK_RING_SLOTS;
    const uint64_t ring = p.in[0].ring;
    const uint64_t ring_slots = ring + RK_EDGE_SLOTS;
    if (tid == 0) {
        s_bad[1] = 0xffffffffu;
        s_bad[2] = 0xffffffffu;
        while (rk_load(p.local + RK_LOCAL_READY) != p.launch_id) {
            __nanosleep(100);
        }
    }
    __syncthreads();
    uint64_t seq = 0;
    uint64_t limit = capacity;  // thread 0
    uint64_t mirrored = ~0ull;  // thread 0
    uint32_t window = 1;
    uint32_t cur = 0;
    while (true) {
        cur = cur == 2 ? 0 : cur + 1;
        if (tid == 0) {
            s_bad[cur == 2 ? 0 : cur + 1] = 0xffffffffu;
        }
        const uint32_t words = window * rw;
        uint64_t v[RK_LOADS];
#pragma unroll
        for (int j = 0; j < RK_LOADS; j++) {
            const uint32_t k = tid + j * nthreads;
            if (k < words) {
                const uint32_t slot = k / rw;
                v[j] = rk_load(host_slots + (((seq + slot) & mask) * rw + (k - slot * rw)) * 8);
            }
        }
        if (tid == nthreads - 1) {
            s_run[cur] = rk_load(p.control + RK_CB_RUN_STATE);
        }
        uint32_t bad = 0xffffffffu;
#pragma unroll
        for (int j = 0; j < RK_LOADS; j++) {
            const uint32_t k = tid + j * nthreads;
            if (k < words) {
                const uint32_t slot = k / rw;
                if ((v[j] >> 32) != ((seq + slot) >> p.capacity_log2) + 1) {
                    bad = min(bad, slot);
                }
                buf[k] = (uint32_t) v[j];
            }
        }
        bad = __reduce_min_sync(0xffffffffu, bad);
        if ((tid & 31) == 0 && bad != 0xffffffffu) {
            atomicMin(&s_bad[cur], bad);
        }
        __syncthreads();
        const uint64_t command = s_run[cur];
        const uint64_t run = command & RK_RUN_STATE_MASK;
        if (tid == 0 && command != mirrored) {
            mirrored = command;
            // What this block copied before is visible to the handler block before the command.
            __threadfence();
            rk_store(p.local + RK_LOCAL_RUN, command);
        }
        if (run >= RK_TERMINATE) {
            break;
        }
        if (run != RK_ACTIVE) {
            window = 1;
            __nanosleep(p.idle_sleep_ns);
            continue;
        }
        const uint32_t ready = min(s_bad[cur], window);
        if (ready == 0) {
            window = 1;
            continue;
        }
        if (tid == 0) {
            // Requests it has not copied stay in the host's ring, whose sweep fails them: no need to wait on.
            s_go = rk_wait_for_room(p, ring + RK_EDGE_CONSUMER, capacity, seq + ready, limit, 200, RK_TERMINATE) ? 1 : 0;
        }
        __syncthreads();
        if (!s_go) {
            break;
        }
        // Same capacity and sequence as the host ring, so each word keeps its tag.
        for (uint32_t k = tid; k < ready * rw; k += nthreads) {
            const uint32_t slot = k / rw;
            const uint64_t sq = seq + slot;
            const uint64_t tag = (sq >> p.capacity_log2) + 1;
            rk_store(ring_slots + ((sq & mask) * rw + (k - slot * rw)) * 8, (tag << 32) | buf[k]);
        }
        __syncthreads();
        if (tid == 0) {
            rk_store(p.requests + RK_RING_CONSUMER, seq + ready);
        }
        seq += ready;
        window = rk_next_window(p, window, ready);
    }
    if (tid == 0) {
        __threadfence();
        // A TERMINATE seen while waiting for room in the intake ring (rk_wait_for_room) left the loop
        // before the pass that mirrors the command: without this the handler block, which reads only
        // the mirror, would never stop. TERMINATE is final, so the host's word can be copied as is.
        rk_store(p.local + RK_LOCAL_RUN, rk_load(p.control + RK_CB_RUN_STATE));
        rk_store(p.local + RK_LOCAL_INTAKE_DONE, p.launch_id);
    }
}

/** What a pass of the handler block consumed and answered, published by the next pass. */
typedef struct rk_pass {
    bool pending;
    uint32_t src;
    uint32_t ready;
    uint64_t consumed;   // the source's next sequence
    uint64_t resp_next;  // the response ring's next sequence
} rk_pass;

// Warp 0's lanes while it sprints (rk_sprint): the slot's words from lane 0, the run word now and
// then; RK_PUBLISHER reads nothing, so that its release store (publish_pass) waits for no read.
#define RK_PUBLISHER 29
#define RK_SPRINT_RUN_LANE 31
// A sprint reads the run word with every RK_SPRINT_RUN_EVERY-th read of the slot only: its line made
// a block pass's read of the slot take 1.57 us where a sprint's takes 1.28 us (H100, 2026-11-25), and
// a command may wait a few reads.
#define RK_SPRINT_RUN_EVERY 8

/**
 * Warp 0, sprinting: handles the message whose request chunks are at `in` (skipped slots aside)
 * and writes its reply, if its caller waits for one, into the next slot of the host's reply ring.
 * `out` comes zeroed after its header and is zeroed again once used, so that work falls between
 * messages instead of before the handler (a sprint's dispatch runs on one warp, each instruction
 * after the one it depends on: every one of them adds to a stage's latency). Returns false, with
 * `abort` set, if the host terminated the kernel while the warp waited for room there (the reply is
 * then lost, as in a block pass).
 */
__device__ __forceinline__ bool rk_sprint_answer(const rk_params& p, uint32_t* in, uint32_t* out,
#if RK_STATEFUL
                                                 RK_STATE* scratch,
#endif
                                                 uint64_t poll_ns, uint64_t seen_ns, rk_links* links, uint32_t& failed,
                                                 uint32_t& error_code, uint64_t& error_seq, uint64_t& resp_next,
                                                 uint64_t& resp_limit, uint32_t& abort) {
    const uint32_t lane = threadIdx.x;
    if (in[0] & RK_FLAG_SKIP) {
        return true;
    }
#if RK_STATEFUL
    rk_handle_message(p, in, out, true, lane, rk_key_of(in), scratch, poll_ns, seen_ns, links, failed, error_code,
                      error_seq);
#else
    rk_handle_message(p, in, out, true, lane, poll_ns, seen_ns, links, failed, error_code, error_seq);
#endif
    // Read after the handler: a request handed on with rk_forward is answered downstream.
    if (!(in[0] & RK_FLAG_REPLY)) {
        rk_clear_reply(p, out, lane);
        return true;
    }
    const uint64_t capacity = 1ull << p.capacity_log2;
    uint32_t room = 1;
    if (lane == 0) {
        room = rk_wait_for_room(p, p.responses + RK_RING_CONSUMER, capacity, resp_next + 1, resp_limit, 1000, RK_ABANDON) ? 1 : 0;
    }
    if (!__shfl_sync(0xffffffffu, room, 0)) {
        if (lane == 0) {
            abort = 1;
        }
        return false;
    }
    const uint64_t tag = ((resp_next >> p.capacity_log2) + 1) << 32;
    const uint64_t slot = p.responses + RK_RING_SLOTS + (resp_next & (capacity - 1)) * p.response_words * 8;
    for (uint32_t w = lane; w < p.response_words; w += 32) {
        rk_store(slot + w * 8, tag | out[w]);
        if (w >= 4) {
            out[w] = 0;
        }
    }
    resp_next++;
    return true;
}

// Pacing of rk_sprint's first read after a reply. A caller answers a reply with its next request
// after a turnaround of its own, and a read that reaches host memory before that request has landed
// finds nothing and costs a whole read more (1.25 us on the H100). So that read waits `delay` after
// the reply: longer by RK_SPRINT_DELAY_UP when it missed and the read after it found the request,
// shorter by RK_SPRINT_DELAY_DOWN when it found it (about one miss in ten), and shorter by
// RK_SPRINT_DELAY_UP when a later read found it (requests further apart, where waiting only shifts
// the reads: a stage in a chain of kernels, whose next request comes after the whole chain); at
// most about one read (RK_SPRINT_DELAY_MAX).
#define RK_SPRINT_DELAY_UP 40
#define RK_SPRINT_DELAY_DOWN 4
#define RK_SPRINT_DELAY_MAX 1500
// After this many replies in a row whose next request the first read found, that read goes out at
// once instead: if it finds the next request, it was there before the reply (a burst, for block passes).
#define RK_SPRINT_PROBE_EVERY 16

/**
 * Warp 0 of a kernel that polls the host ring alone, while requests come one at a time. A block pass
 * polls with the block, then handles the window on its warps, then writes the replies, with a block
 * barrier between each. Here the warp reads the next slot, handles what it finds and writes the
 * reply itself, with warp synchronisation only, and the run word rides along with every
 * RK_SPRINT_RUN_EVERY-th read instead of every one. Messages are handled one at a time, in order,
 * so per-key order and the order of what a handler sends hold as in block passes. The first read
 * after a reply is paced by `delay` (RK_SPRINT_DELAY_*). (Two reads in flight half a read apart were
 * tried: reads of the same lines of host memory do not overlap on the H100, each took twice as
 * long, so the wait for a read did not shrink.)
 *
 * Returns, with `window` for the next block pass, when the run word differs from `command` (1),
 * when a read issued at once after a reply, or right after a message that asked for no reply (a
 * one-way message, a request handed on), found the next one (2: a burst, which block passes read in
 * windows; that message is left to them), or when the host terminated the kernel while it waited
 * for reply room (`abort` set, the reply lost as in a block pass).
 */
template <typename Publish>
__device__ __forceinline__ void rk_sprint(const rk_params& p, uint32_t* req, uint32_t* resp,
#if RK_STATEFUL
                                          RK_STATE* scratch,
#endif
                                          uint64_t command, uint64_t& resp_next, uint64_t& resp_limit, rk_pass& pass,
                                          uint64_t& last_beat, uint64_t& beats, rk_links* links, uint64_t& next_seq,
                                          uint32_t& failed, uint32_t& error_code, uint64_t& error_seq, uint32_t& abort,
                                          uint32_t& window, uint32_t& delay, Publish& publish) {
    const uint32_t lane = threadIdx.x;
    const uint32_t rw = p.request_words;
    const uint64_t capacity = 1ull << p.capacity_log2;
    const uint64_t mask = capacity - 1;
    const uint64_t slots = p.requests + RK_RING_SLOTS;
    rk_clear_reply(p, resp, lane);  // block passes leave their replies staged (rk_sprint_answer)
    uint64_t seq = next_seq;
    uint32_t reads = 0;
    uint64_t answered = 0;  // when the last reply was written; 0 before the first
    uint32_t since = 0;     // reads since then that found nothing
    uint32_t hits = 0;      // replies in a row whose next request the first read after them found
    bool found = false;     // the last read found a message
    uint32_t hand_over = 0;
    while (hand_over == 0) {
        const bool first = answered != 0 && since == 0;
        const bool probe = first && hits >= RK_SPRINT_PROBE_EVERY;
        if (first && !probe) {
            const uint64_t at = answered + delay;
            while (rk_now() < at) {
            }
        }
        const bool with_run = reads++ % RK_SPRINT_RUN_EVERY == 0;
        const uint64_t issued = rk_now();
        uint64_t v = 0;
        if (lane < rw) {
            v = rk_load(slots + ((seq & mask) * rw + lane) * 8);
        } else if (lane == RK_SPRINT_RUN_LANE && with_run) {
            v = rk_load(p.control + RK_CB_RUN_STATE);
        }
        if (lane == RK_PUBLISHER) {
            publish();
        }
        const bool tagged = lane >= rw || (v >> 32) == (seq >> p.capacity_log2) + 1;
        const bool complete = __all_sync(0xffffffffu, tagged);
        const uint64_t run = __shfl_sync(0xffffffffu, v, RK_SPRINT_RUN_LANE);
        const uint64_t seen = __shfl_sync(0xffffffffu, rk_now(), 0);
        if (with_run && run != command) {
            hand_over = 1;
        } else if (complete && (probe || (found && answered == 0))) {
            // Found at once after a reply, or right after a message that asked for none: a burst.
            hand_over = 2;
        } else if (complete) {
            if (first) {
                hits++;
                delay = delay > RK_SPRINT_DELAY_DOWN ? delay - RK_SPRINT_DELAY_DOWN : 0;
            } else {
                if (answered != 0 && since == 1 && hits < RK_SPRINT_PROBE_EVERY) {
                    delay = min(delay + RK_SPRINT_DELAY_UP, (uint32_t) RK_SPRINT_DELAY_MAX);
                } else if (answered != 0 && since > 1) {
                    delay = delay > RK_SPRINT_DELAY_UP ? delay - RK_SPRINT_DELAY_UP : 0;
                }
                hits = 0;
            }
            if (lane < rw) {
                req[lane] = (uint32_t) v;
            }
            __syncwarp();
            if (!rk_sprint_answer(p, req, resp,
#if RK_STATEFUL
                                  scratch,
#endif
                                  issued, seen, links, failed, error_code, error_seq, resp_next, resp_limit, abort)) {
                hand_over = 1;
                break;
            }
            // The reply's stores happen before RK_PUBLISHER's release store and the indices it
            // publishes after the next read is issued.
            __syncwarp();
            seq++;
            if (lane == 0) {
                next_seq = seq;
            }
            if (lane == RK_PUBLISHER) {
                pass = {true, 0, 1, seq, resp_next};
            }
            // Paced are only the reads after a reply to the host: after a one-way message, or a request
            // handed on down a chain, the next request does not answer anything of ours.
            const uint32_t flags = req[0];
            answered = (flags & RK_FLAG_REPLY) && !(flags & RK_FLAG_SKIP) ? __shfl_sync(0xffffffffu, rk_now(), 0) : 0;
            since = 0;
            if (answered == 0) {
                hits = 0;
            }
        } else if (answered != 0) {
            since++;
        }
        found = complete;
        if (lane == 0) {
            rk_beat(p, seen, last_beat, beats);
        }
    }
    if (lane == 0) {
        window = hand_over;
    }
}

// A sprint of a kernel that others send to reads one slot of each incoming ring with one load
// instruction per group of whole slots (a slot split over two loads would read its host-memory line
// twice, and such reads wait for each other: a host-staged hop took 4.6 instead of 3.1 us),
// RK_SPRINT_LOADS of them at most, and the run word.
#define RK_SPRINT_LOADS 4

/**
 * rk_sprint for the handler block of a kernel that others send to: warp 0 alone reads the next
 * slot of every incoming ring (its intake ring and the links' rings), with every
 * RK_SPRINT_RUN_EVERY-th read the run word its intake block mirrors, handles the first message it
 * finds (the search starts after the ring it last took from) and writes its reply, with warp
 * synchronisation only. It hands over to block passes, with `window` 1 or 2, as rk_sprint does.
 * Every ring is read at system scope, whatever memory it is in: choosing the scope per ring put a
 * branch around each load of every read, and in device memory the two scopes cost the same.
 */
template <typename Publish>
__device__ __forceinline__ void rk_sprint_links(const rk_params& p, uint32_t* req, uint32_t* resp,
#if RK_STATEFUL
                                                RK_STATE* scratch,
#endif
                                                uint64_t command, uint64_t& resp_next, uint64_t& resp_limit, rk_pass& pass,
                                                uint64_t& last_beat, uint64_t& beats, rk_links* links, uint64_t* seqs,
                                                const uint64_t* rings, uint32_t& failed,
                                                uint32_t& error_code, uint64_t& error_seq, uint32_t& abort,
                                                uint32_t& window, Publish& publish) {
    const uint32_t lane = threadIdx.x;
    const uint32_t rw = p.request_words;
    const uint32_t sources = p.in_count;
    const uint64_t mask = (1ull << p.capacity_log2) - 1;
    const uint32_t all = (1u << sources) - 1u;
    rk_clear_reply(p, resp, lane);  // block passes leave their replies staged (rk_sprint_answer)
    // Load j reads the slots of sources [j * per, (j + 1) * per), a word per lane from lane 0; the
    // lane after them, still below RK_PUBLISHER, reads the run word with load 0 of every
    // RK_SPRINT_RUN_EVERY-th read. Each lane works out what it reads here, once, and again only for
    // a source whose message it handled: done before every read (a division by the slot size, the
    // rings' addresses and sequences from shared memory, the tags expected), that made the read that
    // found a message take 0.51 us on the H100, 0.29 us without (0.26 us in hop_anatomy.cu).
    const uint32_t per = (RK_PUBLISHER - 1) / rw;
    const uint32_t run_lane = per * rw;
    const bool reader = lane < run_lane;
    uint64_t word_at[RK_SPRINT_LOADS];  // this lane's word in slot 0 of its source (run_lane: the run word)
    uint64_t at[RK_SPRINT_LOADS];       // the address this lane reads: its word of the source's next slot
    uint32_t want[RK_SPRINT_LOADS];     // the tag that word carries once that slot is published
    uint32_t srcs[RK_SPRINT_LOADS];     // the source, sources if none
    const uint64_t slot_bytes = (uint64_t) rw * 8;
#pragma unroll
    for (int j = 0; j < RK_SPRINT_LOADS; j++) {
        srcs[j] = reader && j * per + lane / rw < sources ? j * per + lane / rw : sources;
        word_at[j] = srcs[j] < sources ? rings[srcs[j]] + RK_EDGE_SLOTS + (lane % rw) * 8 : p.local + RK_LOCAL_RUN;
        const uint64_t seq = srcs[j] < sources ? seqs[srcs[j]] : 0;
        at[j] = word_at[j] + (seq & mask) * slot_bytes;
        want[j] = (uint32_t) (seq >> p.capacity_log2) + 1;
    }
    uint32_t start = 0;
    uint32_t reads = 0;
    bool found = false;  // the last read found a message
    uint32_t hand_over = 0;
    while (hand_over == 0) {
        const bool with_run = reads++ % RK_SPRINT_RUN_EVERY == 0;
        const uint64_t issued = rk_now();
        uint64_t v[RK_SPRINT_LOADS];
#pragma unroll
        for (int j = 0; j < RK_SPRINT_LOADS; j++) {
            v[j] = 0;
            if (srcs[j] < sources) {
                v[j] = rk_load(at[j]);
            } else if (j == 0 && lane == run_lane && with_run) {
                v[j] = rk_load_gpu(at[0]);
            }
        }
        if (lane == RK_PUBLISHER) {
            publish();
        }
        uint32_t missing = 0;
#pragma unroll
        for (int j = 0; j < RK_SPRINT_LOADS; j++) {
            if (srcs[j] < sources) {
                if ((uint32_t) (v[j] >> 32) != want[j]) {
                    missing |= 1u << srcs[j];
                }
                // Lanes below run_lane cover whole slots: lane = (its source - j * per) * rw + its word.
                req[j * run_lane + lane] = (uint32_t) v[j];
            }
        }
        missing = __reduce_or_sync(0xffffffffu, missing);
        const uint64_t run = __shfl_sync(0xffffffffu, v[0], run_lane);
        const uint64_t seen = __shfl_sync(0xffffffffu, rk_now(), 0);
        const uint32_t ready = ~missing & all;
        if (with_run && run != command) {
            hand_over = 1;
        } else if (ready != 0 && found) {
            hand_over = 2;
        } else if (ready != 0) {
            const uint32_t rotated = ((ready >> start) | (ready << (sources - start))) & all;
            // start + (__ffs - 1) < 2 * sources: a subtraction instead of a division by `sources`
            const uint32_t pick = start + __ffs(rotated) - 1;
            const uint32_t src = pick >= sources ? pick - sources : pick;
            __syncwarp();
            if (!rk_sprint_answer(p, req + src * rw, resp,
#if RK_STATEFUL
                                  scratch,
#endif
                                  issued, seen, links, failed, error_code, error_seq, resp_next, resp_limit, abort)) {
                hand_over = 1;
                break;
            }
            const uint64_t after = seqs[src] + 1;
            // The reply's stores and every lane's use of seqs happen before it changes, and before
            // RK_PUBLISHER's release store and the indices it publishes after the next read is issued.
            __syncwarp();
            if (lane == 0) {
                seqs[src] = after;
            }
            if (lane == RK_PUBLISHER) {
                pass = {true, src, 1, after, resp_next};
            }
#pragma unroll
            for (int j = 0; j < RK_SPRINT_LOADS; j++) {
                if (srcs[j] == src) {
                    at[j] = word_at[j] + (after & mask) * slot_bytes;
                    want[j] = (uint32_t) (after >> p.capacity_log2) + 1;
                }
            }
            __syncwarp();
            start = src + 1 == sources ? 0 : src + 1;
        }
        found = ready != 0;
        if (lane == 0) {
            rk_beat(p, seen, last_beat, beats);
        }
    }
    if (lane == 0) {
        window = hand_over;
    }
}

/**
 * One thread (RK_PUBLISHER with each pass, thread 0 at the exit): copies the link counters to the
 * host if they changed.
 */
__device__ void rk_publish_link_stats(const rk_params& p, rk_links& links) {
    if (p.link_stats == 0 || !links.dirty) {
        return;
    }
    links.dirty = 0;
    for (uint32_t e = 0; e < links.out_count; e++) {
        rk_store(p.link_stats + (4 * e) * 8, links.sent[e]);
        rk_store(p.link_stats + (4 * e + 1) * 8, links.dropped[e]);
        rk_store(p.link_stats + (4 * e + 2) * 8, links.rejected[e]);
        rk_store(p.link_stats + (4 * e + 3) * 8, links.next[e]);
    }
}

// Each kernel is compiled for the block size it launches with (KernelSource.forBlockSize). Bounds of
// 1024 threads leave 64 registers a thread, and the loop then spilled a poll's loaded words: a spill
// store waits for its load, so the loads of a poll went out one after another.
#ifndef RK_BLOCK_THREADS
#define RK_BLOCK_THREADS 1024
#endif

extern "C" __global__ void __launch_bounds__(RK_BLOCK_THREADS) rk_ring_kernel(rk_params p) {
    // Handlers read and write their structs in place in these chunks (rk_smem's layout above).
    uint32_t* const req = reinterpret_cast<uint32_t*>(rk_smem);
    uint32_t* const resp = req + p.window * p.request_words;
    const bool edges = p.in_count > 0;
    if (edges && blockIdx.x == 0) {
        rk_intake(p, req);
        return;
    }
#if RK_STATEFUL
    // One state copy per warp: each warp handles the messages of the keys that hash to it.
    RK_STATE* const state_scratch = reinterpret_cast<RK_STATE*>(resp + p.window * p.response_words);
#endif
    // Rotating by iteration (mod 3) lets one barrier per poll suffice: a cell is reset two
    // barriers after it was last read and one barrier before it is next written.
    __shared__ uint32_t s_bad[3];      // first incomplete slot of the window
    __shared__ uint32_t s_missing[3];  // probe of every incoming ring: bit k set if ring k had nothing
    __shared__ uint64_t s_run[3];
    __shared__ uint32_t s_reply_src[RK_MAX_WINDOW];
#ifdef RK_KEY_OFFSET
    __shared__ uint8_t s_owner[RK_MAX_WINDOW];  // each slot's warp in a block pass (rk_assign_owners)
#endif
    __shared__ uint32_t s_replies;
    __shared__ uint32_t s_abort;
    __shared__ uint32_t s_failed;
    __shared__ uint32_t s_error_code;
    __shared__ uint64_t s_error_seq;
    __shared__ rk_links s_links;
    __shared__ uint64_t s_in_ring[RK_MAX_IN];
    __shared__ uint32_t s_in_system;  // bit k: ring k is in peer or host memory
    // Next sequence of each source (the host ring alone: s_seq[0]); in shared memory, not a local
    // array, so a poll's addresses need no load from local memory. Thread 0 advances it before the
    // barrier that ends the reply reservation, which every thread passes before its next poll.
    __shared__ uint64_t s_seq[RK_MAX_IN];
    __shared__ uint64_t s_resp_next;  // where warp 0's sprint left the response ring
    __shared__ uint32_t s_window;     // the window a sprint hands to the next block pass

    const uint32_t tid = threadIdx.x;
    const uint32_t nthreads = blockDim.x;
    const uint64_t capacity = 1ull << p.capacity_log2;
    const uint64_t mask = capacity - 1;
    const uint32_t rw = p.request_words;
    const uint32_t sources = edges ? p.in_count : 1;
    const uint64_t close_id = p.launch_id & 0xFFFFFFull;
    rk_links* const links = p.link_stats != 0 ? &s_links : nullptr;
    // Warp 0 can sprint when what it reads fits its lanes: on the host ring a slot's words below
    // RK_PUBLISHER (rk_sprint); on the incoming rings a slot of each and the run word (rk_sprint_links).
    const bool sprint = rw < RK_PUBLISHER && (!edges || sources <= RK_SPRINT_LOADS * ((RK_PUBLISHER - 1) / rw));

    uint64_t resp_next = 0;    // next response sequence
    rk_pass pass = {false, 0, 0, 0, 0};  // RK_PUBLISHER: what the last pass handled, until published
    uint64_t resp_limit = capacity;  // thread 0: cached host consumer index + capacity
    uint64_t failed = 0;       // RK_PUBLISHER
    uint64_t link_consumed = 0;  // RK_PUBLISHER
    uint64_t beats = 0;        // thread 0
    uint64_t last_beat = rk_now();
    uint64_t seen_command = ~0ull;
    uint64_t last_command = 0;  // the command word the last block pass read
    bool sprinted = false;      // the last pass was warp 0's sprint: the next reads the command
    bool idle = false;          // the last block pass found nothing: a sprint may follow
    uint32_t window = 1;
    uint32_t sprint_delay = 0;  // warp 0: rk_sprint's pacing of its first read after a reply, kept across sprints
    uint32_t cur = 0;
    uint32_t src = 0;          // the source polled by window, or picked by the last probe
    uint32_t next_probe = 0;   // where the next probe starts looking, for fairness
    bool probe = true;         // edges: poll one slot of every source
    bool closing = false;      // edges: terminating, incoming rings closed, draining

    // The thread that publishes what a pass consumed and answered: the host's request ring consumer
    // index, the reply ring's producer index, the processed and failure counts, the link counters.
    // It runs after the next poll's reads are issued, so that the barrier of its release store, which
    // orders the consumer index after the reads of the slots it hands back (and after the pass's
    // replies), overlaps that poll instead of delaying it. A fence there (__threadfence_system) also
    // invalidated the SM's L1 (CCTL.IVALL, as every PTX fence does), so a stateful kernel's next
    // lookup went to L2 three times, one after the other (a stage that sends nothing took 0.93
    // instead of 0.61 us on the H100, docs/performance.md). The host sees a reply by its tags, not by
    // the producer index, and the counts after it need no order of their own (telemetry; the host's
    // drain check also waits for every reply). It is a thread that reads no slot word while warp 0
    // sprints (below), and every way out of the loop passes a call first, so nothing stays unpublished.
    auto publish_pass = [&]() {
        if (!pass.pending) {
            return;
        }
        pass.pending = false;
        if (!edges) {
            rk_store_release(p.requests + RK_RING_CONSUMER, pass.consumed);
        } else {
            rk_store_release(s_in_ring[pass.src] + RK_EDGE_CONSUMER, pass.consumed);
        }
        rk_store(p.responses + RK_RING_PRODUCER, pass.resp_next);
        if (edges && pass.src > 0 && p.link_stats != 0) {
            rk_store(p.link_stats + (RK_STATS_IN + pass.src) * 8, pass.consumed);
        }
        if (s_failed != 0) {
            failed += s_failed;
            s_failed = 0;
            rk_store(p.control + RK_CB_ERROR_SEQ, s_error_seq);
            rk_store(p.control + RK_CB_ERROR_CODE, s_error_code);
            rk_store(p.control + RK_CB_FAILED, failed);
        }
        if (pass.src == 0) {
            rk_store(p.control + RK_CB_CONSUMED, pass.consumed);
        } else {
            link_consumed += pass.ready;
            rk_store(p.control + RK_CB_LINK_CONSUMED, link_consumed);
        }
        if (links != nullptr) {
            rk_publish_link_stats(p, s_links);
        }
    };

    // Thread 0 of a kernel others send to, stopping (rk_links.cuh): `closed` on every incoming link,
    // then a fence, so a sender that confirms a message after it waits for `final`; `final` names the
    // first slot of each link that this launch did not take, once the last drain is done.
    auto close_links = [&]() {
        for (uint32_t k = 1; k < p.in_count; k++) {
            rk_store(s_in_ring[k] + RK_EDGE_CLOSED, close_id);
        }
        rk_fence_sc(true);
    };
    auto final_links = [&]() {
        for (uint32_t k = 1; k < p.in_count; k++) {
            rk_store(s_in_ring[k] + RK_EDGE_FINAL, (close_id << 40) | (s_seq[k] + 1));
        }
    };

#if RK_STATEFUL
    // A table in device memory comes from a reused arena; clearing it here needs no driver call (a
    // memset from the host could wait for the other ring kernels running on the device).
    {
        uint64_t* table = reinterpret_cast<uint64_t*>(rk_state_table(p));
        if (tid == 0) {
            rk_table = reinterpret_cast<rk_state_entry*>(table);
        }
        const uint64_t n = (uint64_t) p.state_slots * sizeof(rk_state_entry) / 8;
        for (uint64_t i = tid; i < n; i += nthreads) {
            table[i] = 0;
        }
    }
#endif
    if (edges) {
        // The intake ring comes from the same arena: clear it before the intake block may write.
        uint64_t* local = reinterpret_cast<uint64_t*>(p.local);
        const uint64_t n = (RK_LOCAL_INTAKE_RING + RK_EDGE_SLOTS + capacity * rw * 8) / 8;
        for (uint64_t i = tid; i < n; i += nthreads) {
            local[i] = 0;
        }
    }
    // Every thread's clearing is done before thread 0 fences and tells the intake block it may write.
    __syncthreads();
    if (tid == 0) {
        s_bad[1] = 0xffffffffu;
        s_bad[2] = 0xffffffffu;
        s_missing[1] = 0;
        s_missing[2] = 0;
        s_abort = 0;
        s_failed = 0;
        if (links != nullptr) {
            s_links.out_count = p.out_count;
            s_links.self_origin = p.self_origin;
            s_links.dirty = 0;
            for (uint32_t e = 0; e < p.out_count; e++) {
                s_links.out[e] = p.out[e];
                // Links outlive launches: a relaunched sender continues its counters and sequence.
                s_links.sent[e] = rk_load(p.link_stats + (4 * e) * 8);
                s_links.dropped[e] = rk_load(p.link_stats + (4 * e + 1) * 8);
                s_links.rejected[e] = rk_load(p.link_stats + (4 * e + 2) * 8);
                s_links.next[e] = rk_load(p.link_stats + (4 * e + 3) * 8);
                s_links.fenced[e] = s_links.next[e] << 16;
                s_links.limit[e] = 0;
            }
            for (uint32_t t = 0; t < RK_MAX_TOPICS; t++) {
                s_links.topic_first[t] = t < p.topic_count ? p.topic_first[t] : 0;
                s_links.topic_count[t] = t < p.topic_count ? p.topic_size[t] : 0;
            }
        }
        for (uint32_t k = 0; k < RK_MAX_IN; k++) {
            s_seq[k] = 0;
        }
        if (edges) {
            s_in_system = 0;
            for (uint32_t k = 0; k < p.in_count; k++) {
                s_in_ring[k] = p.in[k].ring;
                s_in_system |= (p.in[k].flags & RK_EDGE_SYSTEM) ? 1u << k : 0u;
                if (k > 0) {
                    // Links outlive launches: continue from the consumer index and reopen.
                    s_seq[k] = rk_load(p.in[k].ring + RK_EDGE_CONSUMER);
                    rk_store(p.in[k].ring + RK_EDGE_CLOSED, 0);
                }
            }
            __threadfence();
            rk_store(p.local + RK_LOCAL_READY, p.launch_id);
        }
    }
    __syncthreads();

    while (true) {
        cur = cur == 2 ? 0 : cur + 1;
        const uint32_t nxt = cur == 2 ? 0 : cur + 1;
        if (tid == 0) {
            s_bad[nxt] = 0xffffffffu;
            s_missing[nxt] = 0;
        }
        // Only after a block pass found nothing: under load block passes keep the window, instead of
        // handing back and forth with sprints, each hand-over costing a read.
        if (sprint && idle && !sprinted && (last_command & RK_RUN_STATE_MASK) == RK_ACTIVE) {
            // ---- sprint: while messages come one at a time, warp 0 alone polls and handles what
            // it finds (rk_sprint, rk_sprint_links); the other warps wait at the barrier until it
            // hands over to block passes.
            if (tid < 32) {
                if (edges) {
                    rk_sprint_links(p, req, resp,
#if RK_STATEFUL
                                    state_scratch,
#endif
                                    last_command, resp_next, resp_limit, pass, last_beat, beats, links, s_seq, s_in_ring,
                                    s_failed, s_error_code, s_error_seq, s_abort, s_window, publish_pass);
                } else {
                    rk_sprint(p, req, resp,
#if RK_STATEFUL
                              state_scratch,
#endif
                              last_command, resp_next, resp_limit, pass, last_beat, beats, links, s_seq[0], s_failed,
                              s_error_code, s_error_seq, s_abort, s_window, sprint_delay, publish_pass);
                }
                if (tid == 0) {
                    s_resp_next = resp_next;
                }
            }
            __syncthreads();
            resp_next = s_resp_next;
            window = s_window;
            sprinted = true;
            idle = false;
            probe = true;
            if (s_abort) {
                break;
            }
            continue;
        }
        sprinted = false;
        // ---- one round trip: the slots (a window of one source, or one slot of every source),
        // and the run command from the last thread
        const bool probing = edges && probe;
        const uint64_t src_seq = s_seq[src];
        const uint64_t src_slots = edges ? s_in_ring[src] + RK_EDGE_SLOTS : p.requests + RK_RING_SLOTS;
        const bool src_local = edges && !((s_in_system >> src) & 1u);
        const uint64_t poll_ns = rk_now();
        const uint32_t words = (probing ? sources : window) * rw;
        uint64_t v[RK_LOADS];
#pragma unroll
        for (int j = 0; j < RK_LOADS; j++) {
            const uint32_t k = tid + j * nthreads;
            if (k < words) {
                const uint32_t slot = k / rw;
                const uint32_t w = k - slot * rw;
                if (probing) {
                    const uint64_t a = s_in_ring[slot] + RK_EDGE_SLOTS + ((s_seq[slot] & mask) * rw + w) * 8;
                    v[j] = (s_in_system >> slot) & 1u ? rk_load(a) : rk_load_gpu(a);
                } else if (src_local) {
                    v[j] = rk_load_gpu(src_slots + (((src_seq + slot) & mask) * rw + w) * 8);
                } else {
                    v[j] = rk_load(src_slots + (((src_seq + slot) & mask) * rw + w) * 8);
                }
            }
        }
        uint64_t run = 0;
        if (tid == nthreads - 1) {
            // Closing, the host's word itself: the intake block, which mirrors it, has left at the
            // terminate, and only the host's word can turn it into RK_ABANDON.
            run = edges && !closing ? rk_load_gpu(p.local + RK_LOCAL_RUN) : rk_load(p.control + RK_CB_RUN_STATE);
        }
        if (tid == RK_PUBLISHER) {
            publish_pass();
        }
        // Each warp folds its threads' findings first: one shared atomic per warp, not per word.
        uint32_t missing = 0;
        uint32_t bad = 0xffffffffu;
#pragma unroll
        for (int j = 0; j < RK_LOADS; j++) {
            const uint32_t k = tid + j * nthreads;
            if (k < words) {
                const uint32_t slot = k / rw;
                if (probing) {
                    if ((v[j] >> 32) != (s_seq[slot] >> p.capacity_log2) + 1) {
                        missing |= 1u << slot;
                    }
                } else if ((v[j] >> 32) != ((src_seq + slot) >> p.capacity_log2) + 1) {
                    bad = min(bad, slot);
                }
                req[k] = (uint32_t) v[j];
            }
        }
        missing = __reduce_or_sync(0xffffffffu, missing);
        bad = __reduce_min_sync(0xffffffffu, bad);
        if ((tid & 31) == 0) {
            if (missing != 0) {
                atomicOr(&s_missing[cur], missing);
            }
            if (bad != 0xffffffffu) {
                atomicMin(&s_bad[cur], bad);
            }
        }
        if (tid == nthreads - 1) {
            s_run[cur] = run;
        }
        __syncthreads();
        const uint64_t seen_ns = rk_now();
        const uint64_t command = s_run[cur];
        last_command = command;
        run = command & RK_RUN_STATE_MASK;
        uint32_t ready;
        uint32_t base = 0;  // first handled slot's index in req
        if (probing) {
            const uint32_t all = (1u << sources) - 1u;  // sources <= RK_MAX_IN = 16
            const uint32_t found = ~s_missing[cur] & all;
            ready = 0;
            if (found != 0) {
                // The first source with a message, starting at next_probe.
                const uint32_t rotated = ((found >> next_probe) | (found << (sources - next_probe))) & all;
                src = (next_probe + __ffs(rotated) - 1) % sources;
                base = src;
                ready = 1;
            }
        } else {
            ready = min(s_bad[cur], window);
        }
        // The picked source's next sequence; read before the handling barrier, after which thread 0 advances it.
        const uint64_t first_seq = probing ? s_seq[src] : src_seq;
        if (tid == 0 && command != seen_command) {
            seen_command = command;
            rk_store(p.control + RK_CB_SEEN_COMMAND, command);
        }

        if (tid == 0) {
            rk_beat(p, seen_ns, last_beat, beats);
        }
        if (run >= RK_TERMINATE) {
            if (!edges) {
                break;
            }
            if (!closing) {
                // Close the links, then drain until a probe finds every ring empty.
                if (tid == 0) {
                    close_links();
                }
                __syncthreads();
                closing = true;
                probe = true;
                continue;
            }
            // RK_ABANDON ends the drain where it is: what the rings still hold stays for a next launch.
            if ((probing && ready == 0) || run == RK_ABANDON) {
                if (tid == 0) {
                    final_links();
                }
                break;
            }
        } else if (run != RK_ACTIVE) {
            window = 1;
            probe = true;
            __nanosleep(p.idle_sleep_ns);
            continue;
        }
        if (ready == 0) {
            window = 1;
            probe = true;
            // (A kernel others send to is idle when a probe of all its rings found nothing.)
            idle = !edges || probing;
            continue;
        }
        idle = false;

        // ---- handle
        {
            const uint32_t lane = tid & 31;
            const uint32_t warp = tid >> 5;
            const uint32_t nwarps = nthreads >> 5;
#if RK_STATEFUL
            // A key's messages always go to the same warp (by hash), which handles them in order;
            // different keys run on different warps at once. Each warp tests the slots one by one here,
            // not 32 at a time (rk_for_own_slots): with the vote the H100 pipeline's stateful stage
            // spilled 68 bytes and took 0.42 instead of 0.38 us with host-staged rings (docs/performance.md).
            rk_assign_owners(req, base, rw, ready, nwarps, s_owner, tid, nthreads);
            __syncthreads();
            for (uint32_t s = 0; s < ready; s++) {
                if (s_owner[s] != warp) {
                    continue;
                }
                uint32_t* in = req + (base + s) * rw;
                rk_handle_message(p, in, resp + s * p.response_words, false, lane, rk_key_of(in), state_scratch + warp,
                                  poll_ns, seen_ns, links, s_failed, s_error_code, s_error_seq);
            }
#else
            // A kernel that sends to others keeps what it sends in the order it received, per key (as
            // on the CPU): a key's messages go to the warp its hash picks, which handles them in order,
            // or, when its requests have no key, all go to warp 0. (All on warp 0 made the pipeline's
            // first stage its bound under load, H100: 0.43-0.45 M readings/s; by key 0.73-1.04.)
            const bool sends = links != nullptr && p.out_count > 0;
            auto handle = [&](uint32_t s) {
                rk_handle_message(p, req + (base + s) * rw, resp + s * p.response_words, false, lane, poll_ns, seen_ns,
                                  links, s_failed, s_error_code, s_error_seq);
            };
#ifdef RK_KEY_OFFSET
            if (sends) {
                rk_assign_owners(req, base, rw, ready, nwarps, s_owner, tid, nthreads);
                __syncthreads();
                rk_for_own_slots(s_owner, ready, warp, lane, handle);
            } else
#endif
            if (!sends || warp == 0) {
                for (uint32_t s = sends ? 0 : warp; s < ready; s += sends ? 1 : nwarps) {
                    if (!(req[(base + s) * rw] & RK_FLAG_SKIP)) {
                        handle(s);
                    }
                }
            }
#endif
        }
        __syncthreads();

        // ---- reserve reply slots; wait (bounded by TERMINATE) while the host has not consumed
        if (tid < 32) {
            // Which slots want a reply, 32 at a time by ballot: one thread going through a full
            // window's flags one by one took a microsecond of every pass.
            uint32_t r = 0;
            for (uint32_t s0 = 0; s0 < ready; s0 += 32) {
                const uint32_t s = s0 + tid;
                const uint32_t flags = s < ready ? req[(base + s) * rw] : 0;
                const bool wants = (flags & RK_FLAG_REPLY) && !(flags & RK_FLAG_SKIP);
                const uint32_t ballot = __ballot_sync(0xffffffffu, wants);
                if (wants) {
                    s_reply_src[r + __popc(ballot & ((1u << tid) - 1u))] = s;
                }
                r += __popc(ballot);
            }
            if (tid == 0) {
                s_replies = r;
                s_seq[src] = first_seq + ready;
                // Through a TERMINATE too: the host's reply pump keeps taking replies while it waits for
                // the loop to exit, and gives up (RK_ABANDON) only when that wait has run out.
                if (!rk_wait_for_room(p, p.responses + RK_RING_CONSUMER, capacity, resp_next + r, resp_limit, 1000,
                                      RK_ABANDON)) {
                    s_abort = 1;
                }
            }
        }
        __syncthreads();
        if (s_abort) {
            break;
        }
        // ---- write replies: the tag in every word, so the host needs no index to see them
        const uint32_t replies = s_replies;
        const uint32_t rwords = p.response_words;
        const uint64_t resp_slots = p.responses + RK_RING_SLOTS;
        for (uint32_t k = tid; k < replies * rwords; k += nthreads) {
            const uint32_t r = k / rwords;
            const uint32_t w = k - r * rwords;
            const uint64_t rs = resp_next + r;
            const uint64_t tag = (rs >> p.capacity_log2) + 1;
            const uint32_t chunk = resp[s_reply_src[r] * rwords + w];
            rk_store(resp_slots + ((rs & mask) * rwords + w) * 8, (tag << 32) | chunk);
        }
        __syncthreads();
        resp_next += replies;
        if (tid == RK_PUBLISHER) {
            // Published by the next pass, after its poll's reads are issued (publish_pass).
            pass.pending = true;
            pass.src = src;
            pass.ready = ready;
            pass.consumed = first_seq + ready;
            pass.resp_next = resp_next;
        }
        if (edges && probing) {
            // Device memory is close: the window grows with a burst (and survives the probes
            // between windows) instead of reading a full window of empty slots after each message.
            window = max(window, 2u);
        } else {
            window = rk_next_window(p, window, ready);
        }
        if (edges) {
            // A window of the source just found, then a probe of all: no ring waits behind a busy one.
            if (!probing) {
                next_probe = src + 1 == sources ? 0 : src + 1;
            }
            probe = !probing;
        }
    }
    __syncthreads();
    if (tid == 0) {
        if (edges && s_abort) {
            // Left at RK_ABANDON while waiting for room for replies: the links are closed as a stop
            // closes them, so that what is sent from now on is refused (RK_ERROR_TARGET_STOPPED)
            // instead of counted as sent and never taken. The pass that waited was handled and its
            // replies are lost; its messages are not marked consumed, so a next launch takes them again.
            close_links();
            final_links();
        }
        if (links != nullptr) {
            s_links.dirty = 1;
            rk_publish_link_stats(p, s_links);
        }
        if (edges) {
            while (rk_load(p.local + RK_LOCAL_INTAKE_DONE) != p.launch_id) {
                __nanosleep(1000);
            }
        }
        __threadfence_system();
        rk_store(p.control + RK_CB_EXITED, 1);
    }
}
