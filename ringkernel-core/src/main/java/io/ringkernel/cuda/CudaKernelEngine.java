package io.ringkernel.cuda;

import static jcuda.driver.JCudaDriver.cuFuncGetAttribute;
import static jcuda.driver.JCudaDriver.cuFuncSetAttribute;
import static jcuda.driver.JCudaDriver.cuLaunchKernel;
import static jcuda.driver.JCudaDriver.cuOccupancyMaxActiveBlocksPerMultiprocessor;
import static jcuda.driver.JCudaDriver.cuStreamQuery;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import io.ringkernel.DeviceBuffer;
import io.ringkernel.RingKernelDefinition;
import io.ringkernel.layout.BufferHandle;
import io.ringkernel.memory.MemoryRegion;
import io.ringkernel.ring.KernelChannel;
import io.ringkernel.ring.KernelEngine;
import io.ringkernel.ring.KernelRoutes;
import io.ringkernel.ring.MessageRing;
import jcuda.Pointer;
import jcuda.driver.CUfunction;
import jcuda.driver.CUfunction_attribute;
import jcuda.driver.CUresult;
import jcuda.driver.CUstream;

/**
 * The CUDA backend's engine for one launch of one ring kernel: one persistent block running
 * {@code rk_loop.cuh} on its own non-blocking stream (two for a kernel that other kernels of its
 * network send to: an intake block and a handler block, see {@link DeviceLinks}), over rings in
 * pinned, device-mapped host memory, plus a host "reply pump" thread. On the CPU backend the loop
 * thread also dispatches replies to futures; here the loop is on the device, so a host thread must
 * do it. A caller blocked in {@code join()} takes replies from the ring itself, and while one
 * reply at a time comes the pump stands back (one hand-off between host threads fewer per round
 * trip); it still takes a burst of replies, in parallel with the callers, and any reply left longer
 * than {@value #STAND_BACK_NANOS} ns, so a descheduled caller delays no other future for long.
 * The pump also watches the kernel: every millisecond it queries the stream (a fault shows up
 * there as the CUDA error) and the heartbeat (a handler that never returns shows up as a stall).
 *
 * <p>A device fault (trap, illegal address) puts the kernel in FAILED with the CUDA error as cause;
 * the driver keeps such an error for the whole process, so later launches fail fast (see
 * {@link CudaDriver#recordDeviceFault}). A kernel that stops answering (stalled heartbeat, or no
 * exit when terminated) is killed by destroying its context; that is no device fault, and a
 * relaunch runs in a fresh context.
 *
 * <p>Thread-safety: lifecycle methods come from the kernel's lifecycle lock; buffer methods are
 * thread-safe. Native memory: rings and control block come from the context's host pool and go
 * back to it in {@link #close()}; buffers and the state table are device memory freed there too.
 */
final class CudaKernelEngine implements KernelEngine {

    /** Per-thread loads per poll in rk_loop.cuh (RK_LOADS) and the largest window (RK_MAX_WINDOW). */
    private static final int LOADS = 8;
    private static final int MAX_WINDOW = 64;
    private static final int DEFAULT_SHARED_LIMIT = 48 * 1024;
    private static final long HEALTH_PERIOD_NANOS = 1_000_000;
    /** How long the pump leaves a published reply to a spinning caller before taking it itself. */
    private static final long STAND_BACK_NANOS = 20_000;
    /** RK_LOCAL_INTAKE_RING: the words of a two-block kernel before its intake ring. */
    private static final int LOCAL_BYTES = 256;
    private static final AtomicLong LAUNCHES = new AtomicLong();

    private final RingKernelDefinition<?, ?> definition;
    private final KernelSource source;
    private final CudaBackend backend;
    private final CudaContext context;
    private final CudaOptions options;
    private final List<CudaContext.HostMemory> shared = new ArrayList<>();
    private final Map<Long, CudaDeviceBuffer> buffers = new ConcurrentHashMap<>();
    private CUstream stream;
    private DeviceArena.DeviceMemory stateTable;
    private DeviceArena.DeviceMemory local;
    private final AtomicInteger residentBlocks = new AtomicInteger();
    private KernelChannel channel;
    private Thread pump;
    private volatile boolean kernelRunning;
    private volatile boolean stopRequested;
    private volatile boolean stopPump;
    private boolean closed;

    CudaKernelEngine(RingKernelDefinition<?, ?> definition, KernelSource source, CudaBackend backend) {
        this.definition = definition;
        this.source = source;
        this.backend = backend;
        this.options = backend.options();
        this.context = backend.acquireContext();
    }

    @Override
    public synchronized MemoryRegion allocateShared(long bytes) {
        CudaContext.HostMemory m = context.acquireHost(bytes);
        shared.add(m);
        return m.region();
    }

    private long deviceAddress(MemoryRegion region) {
        for (CudaContext.HostMemory m : shared) {
            if (m.region() == region) {
                return m.deviceAddress();
            }
        }
        throw new IllegalArgumentException("region was not allocated by this engine: " + region);
    }

    @Override
    public void start(KernelChannel channel) {
        this.channel = channel;
        CompileCache.Result compiled = backend.compile(source);
        CUfunction function = context.function(compiled.key(), compiled.cubin(), definition.id());

        int requestWords = definition.requestSlotWords();
        int responseWords = definition.responseSlotWords();
        KernelRoutes routes = channel.routes();
        DeviceLinks links = routes != null ? routes.attachment(DeviceLinks.class) : null;
        DeviceLinks.Plan plan = links != null ? links.plan(definition.id(), context) : null;
        // Kernels that others send to run a second block that polls only device memory (rk_loop.cuh).
        int sources = plan != null && !plan.in().isEmpty() ? 1 + plan.in().size() : 0;
        int polled = requestWords * Math.max(1, sources);
        int block = blockSize(definition, options, sources);
        int window = Math.max(1, Math.min(MAX_WINDOW, LOADS * block / requestWords));
        // A stateful kernel's warps each work on a copy of the state of the key they handle.
        int stateBytes = source.stateful() ? ((definition.stateLayout().size() + 15) & ~15) * (block / 32) : 0;
        int smem = sharedBytes(window, requestWords, responseWords, stateBytes);
        while (window > Math.max(1, sources) && smem > DEFAULT_SHARED_LIMIT) {
            window = Math.max(Math.max(1, sources), window / 2);
            smem = sharedBytes(window, requestWords, responseWords, stateBytes);
        }
        // A state table that fits beside the rest (the loop's own shared variables included) in the
        // 48 KiB a block gets without opting in lives in the block's shared memory, where a lookup
        // takes no trip to L2 (rk_state_table).
        long tableBytes = source.stateful() ? (long) options.stateSlots() * source.stateEntryBytes() : 0;
        boolean tableShared = source.stateful() && staticShared(function) + smem + tableBytes <= DEFAULT_SHARED_LIMIT;
        if (tableShared) {
            smem += (int) tableBytes;
        }
        if (polled > LOADS * block || window < sources) {
            throw new CudaException("cannot launch ring kernel '" + definition.id() + "': one poll of its " + sources
                    + " incoming rings needs " + polled + " loads, more than a block of 1024 threads makes", null);
        }
        if (smem > DEFAULT_SHARED_LIMIT) {
            int bytes = smem;
            context.check("cuFuncSetAttribute(MAX_DYNAMIC_SHARED_SIZE_BYTES=" + smem + ")", () -> cuFuncSetAttribute(function,
                    CUfunction_attribute.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, bytes));
        }
        context.checkLaunchBesideRunning(function, compiled.cubin(), definition.id());
        int perSm = occupancy(function, block, smem);
        int blocks = sources > 0 ? 2 : 1;
        int limit = Math.min(CudaContext.MAX_CONCURRENT_KERNELS, perSm * context.device().multiprocessors());
        for (int b = 0; b < blocks; b++) {
            context.reserveResidency(limit, definition.id());
            residentBlocks.incrementAndGet();
        }

        long table = 0;
        if (source.stateful() && !tableShared) {
            // Zeroed by the kernel itself before its first poll: a memset here could wait for running kernels.
            stateTable = context.allocateDevice(tableBytes);
            table = stateTable.address();
        }
        List<LaunchParams.Edge> in = new ArrayList<>();
        long localAddress = 0;
        if (sources > 0) {
            // The intake ring: cleared by the kernel itself before the intake block writes it.
            local = context.allocateDevice(LOCAL_BYTES + DeviceLinks.SLOTS + (long) definition.capacity() * requestWords * 8);
            localAddress = local.address();
            in.add(new LaunchParams.Edge(localAddress + LOCAL_BYTES, definition.capacity(), requestWords, 0, 0, 0));
            in.addAll(plan.in());
        }
        stream = context.acquireStream(definition.id());

        LaunchParams params = new LaunchParams(deviceAddress(channel.requests().region()),
                deviceAddress(channel.responses().region()), deviceAddress(channel.control().region()), table,
                definition.capacity(), requestWords, responseWords, window, source.stateful() ? options.stateSlots() : 0,
                options.idleSleepNanos(), localAddress, plan != null ? plan.stats() : 0, nextLaunchId(),
                routes != null ? routes.originOf(definition.id()) : 0, in, plan != null ? plan.out() : List.of(),
                plan != null ? plan.topicFirst() : new int[0], plan != null ? plan.topicSize() : new int[0]);
        Pointer args = Pointer.to(Pointer.to(params.toBytes()));
        int threads = block;
        int dynamicShared = smem;
        context.check("cuLaunchKernel(" + definition.id() + ")", () -> cuLaunchKernel(function, blocks, 1, 1, threads, 1, 1,
                dynamicShared, stream, args, null));
        kernelRunning = true;

        pump = new Thread(this::pumpLoop, "ringkernel-cuda-" + definition.id());
        pump.setDaemon(true);
        pump.start();
    }

    /** A launch id whose low 24 bits (the close number of its rings, rk_loop.cuh) are never 0. */
    private static long nextLaunchId() {
        long id;
        do {
            id = LAUNCHES.incrementAndGet();
        } while ((id & 0xFFFFFF) == 0);
        return id;
    }

    /**
     * Threads of the kernel's block: the configured size, or more where one poll of a slot of each of
     * its {@code sources} incoming rings (0: the host ring alone) needs more, at LOADS loads a thread.
     */
    static int blockSize(RingKernelDefinition<?, ?> definition, CudaOptions options, int sources) {
        int configured = definition.cudaBlockSize() > 0 ? definition.cudaBlockSize() : options.blockSize();
        int polled = definition.requestSlotWords() * Math.max(1, sources);
        return Math.max(configured, Math.min(1024, ((polled + LOADS - 1) / LOADS + 31) & ~31));
    }

    private static int sharedBytes(int window, int requestWords, int responseWords, int stateBytes) {
        return window * (requestWords + responseWords) * 4 + stateBytes;
    }

    /** Bytes of shared memory the kernel declares itself (`__shared__`), besides the dynamic part. */
    private int staticShared(CUfunction function) {
        int[] bytes = new int[1];
        context.check("cuFuncGetAttribute(SHARED_SIZE_BYTES)",
                () -> cuFuncGetAttribute(bytes, CUfunction_attribute.CU_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES, function));
        return bytes[0];
    }

    private int occupancy(CUfunction function, int block, int smem) {
        int[] blocks = new int[1];
        context.check("cuOccupancyMaxActiveBlocksPerMultiprocessor",
                () -> cuOccupancyMaxActiveBlocksPerMultiprocessor(blocks, function, block, smem));
        if (blocks[0] < 1) {
            throw new CudaException("cannot launch ring kernel '" + definition.id() + "': a block of " + block
                    + " threads with " + smem + " bytes of shared memory does not fit one multiprocessor of "
                    + context.device().name(), null);
        }
        return blocks[0];
    }

    // ------------------------------------------------------------ the reply pump and watchdog

    private void pumpLoop() {
        org.agrona.concurrent.IdleStrategy idle = definition.newIdleStrategy();
        int batch = definition.batchSize();
        long lastHealth = System.nanoTime();
        long lastBeat = Long.MIN_VALUE;
        long beatChanged = lastHealth;
        MessageRing responses = channel.responses();
        long left = -1;      // the reply a spinning caller has not taken yet (its sequence), else -1
        long leftSince = 0;
        while (!stopPump) {
            int n = 0;
            long now = System.nanoTime();
            long next = responses.consumerIndex();
            if (!channel.callersWaiting() || responses.isPublished(next + 1)) {
                // Nobody spins on a reply, or replies come in a burst: take them, in parallel with the callers.
                n = channel.drainReplies(batch);
                left = -1;
            } else if (!responses.isPublished(next)) {
                left = -1;
            } else if (next != left) {
                left = next;
                leftSince = now;
            } else if (now - leftSince > STAND_BACK_NANOS) {
                n = channel.drainReplies(batch);
                left = -1;
            }
            if (now - lastHealth >= HEALTH_PERIOD_NANOS) {
                lastHealth = now;
                long beat = channel.control().heartbeat();
                if (beat != lastBeat) {
                    lastBeat = beat;
                    beatChanged = now;
                }
                if (!healthy(now - beatChanged)) {
                    return;
                }
            }
            if (n == 0) {
                idle.idle();
            } else {
                idle.reset();
            }
        }
    }

    /** Checks the stream, the context and the heartbeat; reports a failure and returns false once. */
    private boolean healthy(long silentNanos) {
        if (!kernelRunning) {
            return !stopRequested;
        }
        CudaException poisoned = context.poisoned();
        if (poisoned != null) {
            kernelRunning = false;
            report(new CudaException("ring kernel '" + definition.id() + "' lost its CUDA context: "
                    + poisoned.getMessage(), poisoned.errorCode(), poisoned.errorName()));
            return false;
        }
        int rc;
        try {
            rc = context.call("cuStreamQuery", () -> cuStreamQuery(stream));
        } catch (CudaException e) {
            kernelRunning = false;
            report(e);
            return false;
        }
        if (rc == CUresult.CUDA_ERROR_NOT_READY) {
            if (silentNanos > options.stallTimeout().toNanos()) {
                report(new CudaException("ring kernel '" + definition.id() + "' stalled: no heartbeat for "
                        + silentNanos / 1_000_000 + " ms (a handler that does not return?)", -1, "RINGKERNEL_STALLED"));
                return false;
            }
            return true;
        }
        kernelRunning = false;
        if (rc == CUresult.CUDA_SUCCESS) {
            if (!stopRequested) {
                report(new CudaException("ring kernel '" + definition.id() + "' returned without being asked to stop",
                        -1, "RINGKERNEL_EXITED"));
            }
            return false;
        }
        CudaException fault = CudaDriver.failure(rc, "ring kernel '" + definition.id() + "' on " + context.device().name());
        CudaDriver.recordDeviceFault(fault);
        context.poison(fault);
        report(fault);
        return false;
    }

    private void report(CudaException cause) {
        if (!stopRequested) {
            channel.engineFailed(cause);
        }
    }

    // ------------------------------------------------------------ lifecycle

    @Override
    public boolean callersTakeReplies() {
        return true;
    }

    @Override
    public void wake() {
        // The device loop re-reads the run state on every pass (inactive passes sleep idleSleepNanos).
    }

    @Override
    public boolean awaitExit(Duration timeout) {
        stopRequested = true;
        long deadline = System.nanoTime() + timeout.toNanos();
        while (kernelRunning) {
            if (channel.control().exited() || context.poisoned() != null) {
                return finish(deadline);
            }
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            LockSupport.parkNanos(50_000);
        }
        return true;
    }

    /** The loop has set exited: wait (bounded) for the stream to drain so the launch has truly ended. */
    private boolean finish(long deadline) {
        while (true) {
            int rc;
            try {
                rc = context.call("cuStreamQuery", () -> cuStreamQuery(stream));
            } catch (CudaException e) {
                kernelRunning = false;
                return true;
            }
            if (rc != CUresult.CUDA_ERROR_NOT_READY) {
                kernelRunning = false;
                releaseResidency();
                return true;
            }
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            Thread.onSpinWait();
        }
    }

    @Override
    public void forceStop() {
        stopRequested = true;
        if (!kernelRunning) {
            return;
        }
        CudaException cause = new CudaException("ring kernel '" + definition.id() + "' did not stop in time; its CUDA context"
                + " on " + context.device().name() + " was destroyed, which stops every kernel in it", -1,
                "RINGKERNEL_FORCED_STOP");
        context.poison(cause);
        context.destroyAsync(Duration.ofSeconds(5));
        kernelRunning = false;
    }

    @Override
    public DeviceBuffer allocateBuffer(long bytes) {
        if (bytes <= 0) {
            throw new IllegalArgumentException("buffer size must be positive: " + bytes);
        }
        DeviceArena.DeviceMemory m = context.allocateDevice(bytes);
        CudaDeviceBuffer b = new CudaDeviceBuffer(context, m, bytes, buf -> buffers.remove(buf.handle().address()));
        buffers.put(m.address(), b);
        return b;
    }

    @Override
    public MemoryRegion resolveBuffer(BufferHandle handle) {
        throw new IllegalArgumentException("buffer 0x" + Long.toHexString(handle.address()) + " of kernel '"
                + definition.id() + "' is CUDA device memory, which the host cannot address; use DeviceBuffer.read/write");
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (kernelRunning && channel != null) {
            // Reached with a live kernel only after a failure report (e.g. a stall) or a failed start.
            channel.control().runState(io.ringkernel.ring.ControlBlock.TERMINATE);
            if (!awaitExit(Duration.ofSeconds(1))) {
                forceStop();
            }
        }
        stopPump = true;
        Thread p = pump;
        if (p != null && p != Thread.currentThread()) {
            try {
                p.join(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (CudaDeviceBuffer b : buffers.values()) {
            b.free();
        }
        buffers.clear();
        if (stateTable != null) {
            context.freeDevice(stateTable);
        }
        if (local != null) {
            context.freeDevice(local);
        }
        if (stream != null && !kernelRunning && context.poisoned() == null) {
            context.releaseStream(stream);
        }
        releaseResidency();
        for (CudaContext.HostMemory m : shared) {
            context.releaseHost(m);
        }
        shared.clear();
        context.release();
    }

    private void releaseResidency() {
        while (residentBlocks.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            context.releaseResidency();
        }
    }

}
