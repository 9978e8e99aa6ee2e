package io.ringkernel.cuda;

import static jcuda.driver.JCudaDriver.cuCtxCreate;
import static jcuda.driver.JCudaDriver.cuCtxDestroy;
import static jcuda.driver.JCudaDriver.cuCtxGetLimit;
import static jcuda.driver.JCudaDriver.cuCtxSetCurrent;
import static jcuda.driver.JCudaDriver.cuCtxSetLimit;
import static jcuda.driver.JCudaDriver.cuDeviceGet;
import static jcuda.driver.JCudaDriver.cuFuncGetAttribute;
import static jcuda.driver.JCudaDriver.cuMemAlloc;
import static jcuda.driver.JCudaDriver.cuMemHostGetDevicePointer;
import static jcuda.driver.JCudaDriver.cuMemHostRegister;
import static jcuda.driver.JCudaDriver.cuModuleGetFunction;
import static jcuda.driver.JCudaDriver.cuModuleLoadData;
import static jcuda.driver.JCudaDriver.cuStreamCreate;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.IntSupplier;

import io.ringkernel.memory.MemoryRegion;
import io.ringkernel.memory.NativeMemory;
import jcuda.driver.CUcontext;
import jcuda.driver.CUctx_flags;
import jcuda.driver.CUdevice;
import jcuda.driver.CUfunction;
import jcuda.driver.CUfunction_attribute;
import jcuda.driver.CUlimit;
import jcuda.driver.CUmodule;
import jcuda.driver.CUstream;
import jcuda.driver.CUstream_flags;

/**
 * One CUDA context on one device, shared by every ring kernel the backend runs there: kernels in
 * one context run concurrently, kernels of different contexts would be time-sliced. Owns the
 * loaded modules, the kernel streams, the device arena and the pinned host memory that rings live in.
 *
 * <p><b>Why nothing is created, registered or freed while kernels run.</b> Some driver calls wait
 * for the device to be idle (creating streams, registering or freeing pinned memory, unloading
 * modules), and a device running persistent kernels never is: measured on an H100, launching a
 * second ring kernel hung until the first one stopped. So streams come from a pool created with the
 * context (its size is {@link CudaOptions#streams()}; it grows only while no ring kernel runs). So the pinned memory for rings is one arena registered when the context is created
 * (its size is {@link CudaOptions#hostArenaBytes()}; it grows only while no ring kernel runs),
 * rings are carved from it and returned to a per-size pool, device buffers and state tables are
 * carved from a device arena allocated the same way ({@link DeviceArena}), and modules stay loaded
 * (they are also the in-memory compile cache).
 *
 * <p><b>Faults.</b> A kernel fault kills every kernel in the context (and, the driver being what it
 * is, CUDA in the whole process: see {@link CudaDriver#recordDeviceFault}). A kernel that will not
 * stop is killed by destroying its context, which takes the other kernels in it along. Either way
 * the context is {@linkplain #poison poisoned}: engines report the failure, the backend creates a
 * fresh context for later launches where the driver allows it, and this one is destroyed once its
 * last engine has released it (or at once by {@link #destroyAsync} for a kernel that will not stop). Ring memory is
 * ringkernel's own, only <em>registered</em> with the driver, so the host can still read rings
 * after the context is gone.
 *
 * <p>Thread-safety: driver calls run under the read side of a lock and with the context current;
 * destruction takes the write side, so no call ever runs on a destroyed context. The object's
 * monitor guards the pools and counters and is never held while waiting for the lock's write side.
 *
 * <p>Native memory: the arenas are allocated and registered here and freed once the context is
 * destroyed and every region carved from them has been released (a host thread may still read a
 * ring after its kernel was killed).
 */
final class CudaContext {

    /** Most kernels a device runs concurrently (compute capability 7.0 and newer). */
    static final int MAX_CONCURRENT_KERNELS = 128;

    private final CudaDeviceInfo device;
    private final CUcontext context = new CUcontext();
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private final Map<String, CUfunction> functions = new HashMap<>();
    private final List<CUmodule> modules = new ArrayList<>();
    private final Map<Long, ArrayDeque<HostMemory>> hostPool = new HashMap<>();
    private final List<HostMemory> arenas = new ArrayList<>();
    private final ArrayDeque<CUstream> streams = new ArrayDeque<>();
    private final CUstream copyStream = new CUstream();
    private final List<DeviceArena> deviceArenas = new ArrayList<>();
    private final long deviceArenaBytes;
    private final int streamCount;
    private final long arenaBytes;
    private long arenaUsed;
    private int outstanding;
    private volatile CudaException poisoned;
    private volatile boolean destroying;
    private boolean destroyed;
    private int users;
    private int running;

    private CudaContext(CudaDeviceInfo device, long arenaBytes, long deviceArenaBytes, int streamCount) {
        this.device = device;
        this.deviceArenaBytes = deviceArenaBytes;
        this.arenaBytes = arenaBytes;
        this.streamCount = streamCount;
    }

    /**
     * Creates a context on {@code device} (mapped host memory enabled), its
     * pinned host arena of {@code arenaBytes}, its device arena of {@code deviceArenaBytes},
     * its pool of {@code streamCount} kernel streams and, where {@code stackBytes} is positive, that
     * much local memory for each thread. The local memory a launch grows is kept
     * ({@code CU_CTX_LMEM_RESIZE_TO_MAX}): growing it again would wait for the running kernels.
     */
    static CudaContext create(CudaDeviceInfo device, long arenaBytes, long deviceArenaBytes, int streamCount, int stackBytes) {
        CudaContext c = new CudaContext(device, (arenaBytes + 4095) & ~4095L, deviceArenaBytes, streamCount);
        CUdevice dev = new CUdevice();
        CudaDriver.check(cuDeviceGet(dev, device.index()), "cuDeviceGet");
        CudaDriver.check(cuCtxCreate(c.context, CUctx_flags.CU_CTX_MAP_HOST | CUctx_flags.CU_CTX_LMEM_RESIZE_TO_MAX, dev),
                "cuCtxCreate");
        try {
            if (stackBytes > 0) {
                c.check("cuCtxSetLimit(CU_LIMIT_STACK_SIZE=" + stackBytes + ")",
                        () -> cuCtxSetLimit(CUlimit.CU_LIMIT_STACK_SIZE, stackBytes));
            }
            c.arenas.add(c.registerArena(c.arenaBytes));
            c.deviceArenas.add(c.newDeviceArena(deviceArenaBytes));
            c.addStreams(streamCount);
            c.check("cuStreamCreate", () -> cuStreamCreate(c.copyStream, CUstream_flags.CU_STREAM_NON_BLOCKING));
        } catch (RuntimeException e) {
            cuCtxDestroy(c.context);
            c.arenas.forEach(a -> NativeMemory.free(a.region()));
            throw e;
        }
        return c;
    }

    CudaDeviceInfo device() {
        return device;
    }

    /** Why this context is unusable, or {@code null} while it is healthy. */
    CudaException poisoned() {
        return poisoned;
    }

    /** Marks the context unusable (first cause wins); a fresh one is created for later launches. */
    void poison(CudaException cause) {
        synchronized (this) {
            if (poisoned == null) {
                poisoned = cause;
            }
        }
    }

    /**
     * Runs a driver call with this context current.
     *
     * @return the driver's result code
     * @throws CudaException if the context was destroyed
     */
    int call(String what, IntSupplier driverCall) {
        lock.readLock().lock();
        try {
            if (destroying) {
                throw new CudaException(what + ": the CUDA context was destroyed"
                        + (poisoned != null ? " after " + poisoned.getMessage() : ""), null);
            }
            int rc = cuCtxSetCurrent(context);
            return rc != 0 ? rc : driverCall.getAsInt();
        } finally {
            lock.readLock().unlock();
        }
    }

    /** As {@link #call}, throwing unless the call succeeded. */
    void check(String what, IntSupplier driverCall) {
        CudaDriver.check(call(what, driverCall), what);
    }

    // ------------------------------------------------------------ users and co-residency

    /** Registers an engine; the context lives at least until it calls {@link #release()}. */
    synchronized void retain() {
        users++;
    }

    /** Unregisters an engine; a poisoned context is destroyed with its last engine. */
    void release() {
        boolean destroy;
        synchronized (this) {
            users--;
            destroy = users == 0 && poisoned != null;
        }
        if (destroy) {
            destroyAsync(Duration.ofSeconds(5));
        }
    }

    /**
     * Reserves residency for one more persistent kernel.
     *
     * @param limit most such kernels the device holds at once
     * @throws CudaException if the device is full, so the launch would wait forever
     */
    synchronized void reserveResidency(int limit, String kernel) {
        if (running >= limit) {
            throw new CudaException("cannot launch ring kernel '" + kernel + "': " + device.name() + " can keep only "
                    + limit + " persistent kernels of this shape resident at once and " + running
                    + " are running; a kernel that is not resident would never start", null);
        }
        running++;
    }

    synchronized void releaseResidency() {
        running--;
    }

    /**
     * Checks that a kernel can be launched now, beside the ring kernels already running (none: any
     * kernel can). Two kinds of kernel would wait for those, which never end, instead of starting:
     * <ul>
     * <li>one whose threads need more local memory ({@code CU_FUNC_ATTRIBUTE_LOCAL_SIZE_BYTES}: its
     * handler's local arrays, spilled registers) than the context keeps ({@code CU_LIMIT_STACK_SIZE}),
     * since the driver grows it at the launch, and growing it waits for the running kernels: the
     * launch call hangs;</li>
     * <li>one whose code calls the device's {@code printf} or {@code malloc}/{@code free} (their
     * symbols in the {@code cubin}): the launch returns, but the kernel does not start while others
     * run (H100, driver 580), and the watchdog then reports it stalled.</li>
     * </ul>
     *
     * @throws CudaException if the kernel would wait for the running kernels
     */
    synchronized void checkLaunchBesideRunning(CUfunction function, byte[] cubin, String kernel) {
        if (running == 0) {
            return;
        }
        int[] needs = new int[1];
        check("cuFuncGetAttribute(LOCAL_SIZE_BYTES)",
                () -> cuFuncGetAttribute(needs, CUfunction_attribute.CU_FUNC_ATTRIBUTE_LOCAL_SIZE_BYTES, function));
        long[] kept = new long[1];
        check("cuCtxGetLimit(CU_LIMIT_STACK_SIZE)", () -> cuCtxGetLimit(kept, CUlimit.CU_LIMIT_STACK_SIZE));
        if (needs[0] > kept[0]) {
            throw new CudaException("cannot launch ring kernel '" + kernel + "': each of its threads needs " + needs[0]
                    + " bytes of local memory (its handler's local arrays or spilled registers), more than the " + kept[0]
                    + " the CUDA context keeps, and growing that waits for the " + running + " ring kernel(s) running on "
                    + device.name() + ", which never end. Launch it before the others, or set ringkernel.cuda.stack-bytes"
                    + " to at least " + needs[0], -1, "RINGKERNEL_LOCAL_MEMORY");
        }
        String calls = deviceRuntimeCalls(cubin);
        if (calls != null) {
            throw new CudaException("cannot launch ring kernel '" + kernel + "': its code calls the device's " + calls
                    + ", and such a kernel does not start while other kernels run on " + device.name() + " (" + running
                    + " ring kernel(s) running, which never end). Launch it before the others, or take the call out of"
                    + " the handler", -1, "RINGKERNEL_DEVICE_RUNTIME");
        }
    }

    /** The device runtime calls a compiled kernel makes that keep it from starting beside others, or {@code null}. */
    private static String deviceRuntimeCalls(byte[] cubin) {
        String symbols = new String(cubin, StandardCharsets.ISO_8859_1);
        boolean printf = symbols.contains("\0vprintf\0");
        boolean malloc = symbols.contains("\0malloc\0") || symbols.contains("\0free\0");
        return printf && malloc ? "printf and malloc/free" : printf ? "printf" : malloc ? "malloc/free" : null;
    }

    // ------------------------------------------------------------ streams

    private void addStreams(int n) {
        for (int i = 0; i < n; i++) {
            CUstream st = new CUstream();
            check("cuStreamCreate", () -> cuStreamCreate(st, CUstream_flags.CU_STREAM_NON_BLOCKING));
            streams.push(st);
        }
    }

    /**
     * A non-blocking stream for one ring kernel, from the pool.
     *
     * @throws CudaException if the pool is empty while ring kernels run (creating one then would hang)
     */
    synchronized CUstream acquireStream(String kernel) {
        if (streams.isEmpty()) {
            if (running > 0) {
                throw new CudaException("cannot launch ring kernel '" + kernel + "': all " + streamCount + " streams of the"
                        + " context are in use and creating another would wait for the " + running + " running kernel(s) to"
                        + " finish; raise ringkernel.cuda.streams", -1, "RINGKERNEL_STREAMS_EXHAUSTED");
            }
            addStreams(streamCount);
        }
        return streams.pop();
    }

    /**
     * The stream for buffer copies: non-blocking like the kernels' streams, so a copy never waits
     * for a ring kernel (a copy on the legacy default stream could).
     */
    CUstream copyStream() {
        return copyStream;
    }

    /** Returns an idle stream (its kernel has finished) to the pool. */
    synchronized void releaseStream(CUstream stream) {
        streams.push(stream);
    }

    // ------------------------------------------------------------ modules

    /**
     * The ring kernel's entry point from {@code cubin}, loaded once per context.
     *
     * @throws IllegalStateException if the module is not loaded yet and persistent kernels of this
     *         context are running: loading a module waits for them (seen in a thread dump on the H100,
     *         driver 580), and they never end, so the call would hang instead
     */
    synchronized CUfunction function(String key, byte[] cubin, String kernel) {
        CUfunction f = functions.get(key);
        if (f != null) {
            return f;
        }
        if (running > 0) {
            throw new IllegalStateException("cannot create CUDA ring kernel '" + kernel + "' now: its handler and message "
                    + "types need a CUDA module that is not loaded yet, and loading one waits for the " + running
                    + " ring kernel(s) already running on " + device.name() + ", which never end. Create every kernel "
                    + "with a new handler or new message types before launching any (kernels that share a handler and "
                    + "types share a module and can be created at any time)");
        }
        CUmodule module = new CUmodule();
        check("cuModuleLoadData", () -> cuModuleLoadData(module, cubin));
        modules.add(module);
        CUfunction fn = new CUfunction();
        check("cuModuleGetFunction", () -> cuModuleGetFunction(fn, module, KernelSource.ENTRY));
        // Querying an attribute forces the function to be loaded now rather than at first launch.
        int[] regs = new int[1];
        check("cuFuncGetAttribute", () -> cuFuncGetAttribute(regs, CUfunction_attribute.CU_FUNC_ATTRIBUTE_NUM_REGS, fn));
        functions.put(key, fn);
        return fn;
    }

    // ------------------------------------------------------------ memory

    /** Pinned host memory visible to the device, zeroed. */
    record HostMemory(MemoryRegion region, long deviceAddress) {
    }

    /**
     * Zeroed, device-mapped host memory of at least {@code bytes}, 4096-byte aligned, carved from
     * the arena.
     *
     * @throws CudaException if the arena is full while ring kernels run (growing it then could hang)
     */
    HostMemory acquireHost(long bytes) {
        long size = (bytes + 4095) & ~4095L;
        synchronized (this) {
            ArrayDeque<HostMemory> free = hostPool.get(size);
            HostMemory m;
            if (free != null && !free.isEmpty()) {
                m = free.pop();
            } else {
                m = carve(size);
            }
            outstanding++;
            m.region().clear(0, size);
            return m;
        }
    }

    private HostMemory carve(long size) {
        HostMemory arena = arenas.get(arenas.size() - 1);
        if (arenaUsed + size > arena.region().length()) {
            if (running > 0) {
                throw new CudaException("pinned ring memory exhausted: " + size + " more bytes needed but the arena of "
                        + arena.region().length() / (1024 * 1024) + " MiB is full while " + running + " ring kernel(s) run;"
                        + " registering more host memory would wait for them to finish. Raise ringkernel.cuda.host-arena-mb"
                        + " or launch big kernels first", -1, "RINGKERNEL_ARENA_FULL");
            }
            arena = registerArena(Math.max(arenaBytes, size));
            arenas.add(arena);
            arenaUsed = 0;
        }
        HostMemory m = new HostMemory(arena.region().slice(arenaUsed, size), arena.deviceAddress() + arenaUsed);
        arenaUsed += size;
        return m;
    }

    private HostMemory registerArena(long size) {
        MemoryRegion region = NativeMemory.allocate(size, 4096);
        DevicePointer dptr = new DevicePointer();
        try {
            check("cuMemHostRegister", () -> cuMemHostRegister(DevicePointer.host(region.address()), size,
                    jcuda.driver.JCudaDriver.CU_MEMHOSTREGISTER_DEVICEMAP | jcuda.driver.JCudaDriver.CU_MEMHOSTREGISTER_PORTABLE));
            check("cuMemHostGetDevicePointer", () -> cuMemHostGetDevicePointer(dptr, DevicePointer.host(region.address()), 0));
        } catch (RuntimeException e) {
            // Either never registered, or the context is gone (its destruction unregistered it).
            NativeMemory.free(region);
            throw e;
        }
        return new HostMemory(region, dptr.address());
    }

    /** Returns host memory to the pool; the arenas go back to the OS after destruction, once all is returned. */
    void releaseHost(HostMemory memory) {
        synchronized (this) {
            outstanding--;
            hostPool.computeIfAbsent(memory.region().length(), k -> new ArrayDeque<>()).push(memory);
        }
        freeArenasIfUnused();
    }

    private void freeArenasIfUnused() {
        List<HostMemory> toFree;
        synchronized (this) {
            if (!destroyed || outstanding != 0) {
                return;
            }
            toFree = new ArrayList<>(arenas);
            arenas.clear();
            hostPool.clear();
        }
        for (HostMemory a : toFree) {
            NativeMemory.free(a.region());
        }
    }

    /**
     * Device memory carved from the device arenas (no driver call, so it never waits for running
     * kernels).
     *
     * @throws CudaException if the arenas are full while ring kernels run (growing them then could hang)
     */
    synchronized DeviceArena.DeviceMemory allocateDevice(long bytes) {
        for (DeviceArena a : deviceArenas) {
            DeviceArena.DeviceMemory m = a.allocate(bytes);
            if (m != null) {
                return m;
            }
        }
        if (running > 0) {
            throw new CudaException("device buffer arena exhausted: " + bytes + " bytes needed while " + running
                    + " ring kernel(s) run, and allocating device memory then may wait for them to finish; raise"
                    + " ringkernel.cuda.device-arena-mb or allocate before launching", -1, "RINGKERNEL_ARENA_FULL");
        }
        DeviceArena a = newDeviceArena(Math.max(deviceArenaBytes, bytes));
        deviceArenas.add(a);
        return a.allocate(bytes);
    }

    private DeviceArena newDeviceArena(long bytes) {
        DevicePointer p = new DevicePointer();
        check("cuMemAlloc(" + bytes + ")", () -> cuMemAlloc(p, bytes));
        return new DeviceArena(p, bytes);
    }

    /**
     * Zeroes device memory on the copy stream, which is non-blocking: it does not wait for the
     * persistent kernels running in this context.
     */
    void zeroDevice(DeviceArena.DeviceMemory memory) {
        check("cuMemsetD8Async", () -> jcuda.driver.JCudaDriver.cuMemsetD8Async(memory.pointer(), (byte) 0,
                memory.length(), copyStream));
        check("cuStreamSynchronize", () -> jcuda.driver.JCudaDriver.cuStreamSynchronize(copyStream));
    }

    /**
     * Lets kernels of this context address {@code peer}'s device memory (P2P over NVLink or PCIe).
     *
     * @return {@code false} if the driver says this device cannot access the peer's
     */
    boolean enablePeerAccess(CudaContext peer) {
        CUdevice self = new CUdevice();
        CUdevice other = new CUdevice();
        CudaDriver.check(cuDeviceGet(self, device.index()), "cuDeviceGet");
        CudaDriver.check(cuDeviceGet(other, peer.device.index()), "cuDeviceGet");
        int[] can = new int[1];
        CudaDriver.check(jcuda.driver.JCudaDriver.cuDeviceCanAccessPeer(can, self, other), "cuDeviceCanAccessPeer");
        if (can[0] == 0) {
            return false;
        }
        int rc = call("cuCtxEnablePeerAccess", () -> jcuda.driver.JCudaDriver.cuCtxEnablePeerAccess(peer.context, 0));
        if (rc != jcuda.driver.CUresult.CUDA_SUCCESS && rc != jcuda.driver.CUresult.CUDA_ERROR_PEER_ACCESS_ALREADY_ENABLED) {
            throw CudaDriver.failure(rc, "cuCtxEnablePeerAccess(" + device.describe() + " -> " + peer.device.describe() + ")");
        }
        return true;
    }

    /** Returns device memory to its arena; a no-op once the context is destroyed (that freed it). */
    synchronized void freeDevice(DeviceArena.DeviceMemory memory) {
        if (!destroying) {
            memory.arena().release(memory);
        }
    }

    // ------------------------------------------------------------ teardown

    /**
     * Destroys the context on a daemon thread and waits at most {@code wait} for it: destroying a
     * context whose kernel will not stop is how a hung kernel is killed, and the caller must
     * never hang with it.
     *
     * @return whether destruction finished within {@code wait}
     */
    boolean destroyAsync(Duration wait) {
        Thread t = new Thread(this::destroy, "ringkernel-cuda-destroy-" + device.index());
        t.setDaemon(true);
        t.start();
        try {
            t.join(Math.max(1, wait.toMillis()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return !t.isAlive();
    }

    private void destroy() {
        synchronized (this) {
            if (destroying) {
                return;
            }
            destroying = true;
        }
        boolean locked = false;
        try {
            locked = lock.writeLock().tryLock(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (!locked) {
            return; // a driver call is stuck inside the context; its memory stays pooled rather than freed under it
        }
        try {
            // Destroying the context stops its kernels, unloads modules, frees device memory and
            // unregisters host memory; only then may that memory go back to the OS.
            cuCtxDestroy(context);
        } finally {
            lock.writeLock().unlock();
        }
        synchronized (this) {
            destroyed = true;
            functions.clear();
            modules.clear();
        }
        freeArenasIfUnused();
    }

    /** Whether destruction has begun: no driver call will run on this context any more. */
    boolean isDestroying() {
        return destroying;
    }
}
