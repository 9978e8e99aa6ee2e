package io.ringkernel.spring;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.IntFunction;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import io.ringkernel.KernelState;
import io.ringkernel.RingKernel;
import io.ringkernel.RingKernelDefinition;
import io.ringkernel.backend.Backend;
import io.ringkernel.backend.BackendDetection;
import io.ringkernel.backend.BackendSelection;
import io.ringkernel.cpu.CpuBackend;
import io.ringkernel.graph.KernelGraph;
import io.ringkernel.graph.KernelNetwork;
import io.ringkernel.ring.KernelRoutes;
import io.ringkernel.telemetry.KernelTelemetry;

/**
 * Owns the selected backend and every kernel created through it for one application: creates
 * kernels with their configured settings, starts and stops them as a group, restarts failed ones
 * per their {@link RestartPolicy}, and samples them for throughput and heartbeat. The endpoint,
 * health indicator and meters read from here.
 *
 * <p>A single daemon thread, {@code ringkernel-supervisor}, runs while the runtime is started: every
 * {@code interval} it takes one telemetry snapshot per kernel (which also keeps the heartbeat age
 * current), records throughput, and relaunches kernels whose restart is due. It never blocks on a
 * device.
 *
 * <p><b>Native resources</b>: {@link #close()} terminates and closes every kernel, then the
 * backend, on every path, including a start-up that failed half-way.
 *
 * <p>Thread-safety: thread-safe; lifecycle methods ({@link #start}, {@link #stop}, {@link #close})
 * serialise on this object.
 */
public final class RingKernelRuntime implements AutoCloseable {

    private static final Log log = LogFactory.getLog(RingKernelRuntime.class);

    private final BackendSelection selection;
    private final Function<String, KernelSettings> settings;
    private final Duration interval;
    private final Duration throughputWindow;
    private final Map<String, ManagedKernel> kernels = new ConcurrentHashMap<>();
    private final List<ManagedKernel> order = new CopyOnWriteArrayList<>();
    private final List<Consumer<ManagedKernel>> listeners = new CopyOnWriteArrayList<>();
    /** The kernels created together because they send to each other, upstream first; empty if none. */
    private volatile List<String> networkOrder = List.of();
    private volatile KernelNetwork network;
    /** The CPU backend a network runs on when the selected backend is not the CPU; owned here. */
    private CpuBackend linksBackend;
    private final KernelPlacement placement;
    private final IntFunction<Backend> openDevice;
    /** The backend of each device a kernel was placed on; the selected backend is the default device's. */
    private final Map<Integer, Backend> deviceBackends = new LinkedHashMap<>();
    private ScheduledExecutorService supervisor;
    private volatile boolean running;
    private boolean closed;

    /**
     * A runtime whose kernels all run on the selected backend.
     *
     * @param selection the selected backend (owned from now on: closed by {@link #close()})
     * @param settings the configured settings of a kernel id
     * @param interval supervisor period
     * @param throughputWindow throughput averaging window
     */
    public RingKernelRuntime(BackendSelection selection, Function<String, KernelSettings> settings, Duration interval,
            Duration throughputWindow) {
        this(selection, KernelPlacement.single(selection.backend().name()), device -> {
            throw new IllegalStateException("no device " + device + " besides the selected backend");
        }, settings, interval, throughputWindow);
    }

    /**
     * A runtime that places kernels on the devices of the selected backend's kind.
     *
     * @param selection the selected backend, on {@code placement}'s default device (owned from now on)
     * @param placement chooses each kernel's device
     * @param openDevice opens the backend of another device when a kernel is first placed there (the
     *        runtime owns and closes what it returns)
     * @param settings the configured settings of a kernel id
     * @param interval supervisor period
     * @param throughputWindow throughput averaging window
     */
    public RingKernelRuntime(BackendSelection selection, KernelPlacement placement, IntFunction<Backend> openDevice,
            Function<String, KernelSettings> settings, Duration interval, Duration throughputWindow) {
        this.selection = Objects.requireNonNull(selection, "selection");
        this.placement = Objects.requireNonNull(placement, "placement");
        this.openDevice = Objects.requireNonNull(openDevice, "openDevice");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.interval = requirePositive("interval", interval);
        this.throughputWindow = requirePositive("throughputWindow", throughputWindow);
        deviceBackends.put(placement.defaultDevice(), selection.backend());
    }

    private static Duration requirePositive(String name, Duration d) {
        if (d.isZero() || d.isNegative()) {
            throw new IllegalArgumentException(name + " must be positive: " + d);
        }
        return d;
    }

    /** The selected backend: the default device's, where kernels run unless placed elsewhere. */
    public Backend backend() {
        return selection.backend();
    }

    /** Why this backend was chosen, one line. */
    public String selectionReason() {
        return selection.reason();
    }

    /** Every backend's detection report from the selection. */
    public List<BackendDetection> detections() {
        return selection.detections();
    }

    /**
     * Creates a kernel from a definition with the settings configured for its id and takes
     * ownership of it. If the runtime is already started, the kernel is launched (and activated if
     * so configured) at once.
     *
     * @throws IllegalStateException if a kernel with the same id exists or the runtime is closed
     */
    public synchronized <I, O> RingKernel<I, O> create(RingKernelDefinition<I, O> definition) {
        if (closed) {
            throw new IllegalStateException("ring kernel runtime is closed; cannot create kernel '" + definition.id() + "'");
        }
        if (kernels.containsKey(definition.id())) {
            throw new IllegalStateException("a ring kernel with id '" + definition.id() + "' already exists");
        }
        KernelSettings configured = settings.apply(definition.id());
        RingKernelDefinition<I, O> effective = configured.applyTo(definition);
        RingKernel<I, O> kernel = backendFor(definition.id(), configured.device()).createKernel(effective);
        register(new ManagedKernel(kernel, effective, configured));
        return kernel;
    }

    /** The backend of the device {@link KernelPlacement} chooses for kernel {@code id}, opened on first use. */
    private Backend backendFor(String id, Integer requested) {
        if (CpuBackend.NAME.equals(selection.backend().name())) {
            if (requested != null && requested != 0) {
                // A configuration written for a GPU machine still starts where auto fell back to the CPU.
                log.info("Ring kernel '" + id + "' asks for device " + requested + "; the cpu backend has one device");
            }
            return selection.backend();
        }
        int device = placement.place(requested, "ringkernel.kernels." + id + ".device");
        return deviceBackends.computeIfAbsent(device, openDevice::apply);
    }

    private void register(ManagedKernel managed) {
        kernels.put(managed.id(), managed);
        order.add(managed);
        if (running) {
            startKernel(managed);
        }
        for (Consumer<ManagedKernel> l : listeners) {
            l.accept(managed);
        }
    }

    /**
     * Creates the kernel of {@code definition} as one of {@code graph}, the definitions of kernels
     * that send to each other (links and topics): the first call creates all of them, with their
     * configured settings, on the backend in one {@link KernelNetwork}, and takes ownership of them;
     * later calls return the kernel already created.
     *
     * <p>On CUDA the network's kernels are placed like any other ({@link KernelPlacement}) and
     * their routes become rings in device memory, or in peer or pinned host memory between devices.
     * If some of them have no CUDA source, the whole network runs on a CPU backend this runtime owns
     * instead (logged once, naming them), and the other kernels stay on the selected backend.
     *
     * @throws IllegalArgumentException if the graph is invalid (an unknown or mistyped link, a cycle
     *         of blocking kernels), naming the kernel
     */
    @SuppressWarnings("unchecked")
    public synchronized <I, O> RingKernel<I, O> createInGraph(RingKernelDefinition<I, O> definition,
            List<RingKernelDefinition<?, ?>> graph) {
        ManagedKernel existing = kernels.get(definition.id());
        if (existing != null && network != null && networkOrder.contains(definition.id())) {
            return (RingKernel<I, O>) existing.kernel();
        }
        if (closed) {
            throw new IllegalStateException("ring kernel runtime is closed; cannot create kernel '" + definition.id() + "'");
        }
        if (network != null) {
            throw new IllegalStateException("ring kernel '" + definition.id() + "' sends or receives messages between "
                    + "kernels but is not in the network this runtime created; all such kernels are created together, "
                    + "from one list of definitions");
        }
        List<RingKernelDefinition<?, ?>> effective = new ArrayList<>();
        Map<String, KernelSettings> configured = new LinkedHashMap<>();
        for (RingKernelDefinition<?, ?> d : graph) {
            if (kernels.containsKey(d.id())) {
                throw new IllegalStateException("a ring kernel with id '" + d.id() + "' already exists");
            }
            KernelSettings own = settings.apply(d.id());
            configured.put(d.id(), own);
            effective.add(own.applyTo(d));
        }
        KernelGraph validated = KernelGraph.of(effective);
        List<String> cpuOnly = effective.stream().filter(d -> d.cudaSource() == null).map(RingKernelDefinition::id).toList();
        KernelNetwork created;
        if (CpuBackend.NAME.equals(selection.backend().name())) {
            created = KernelNetwork.create(validated, selection.backend());
        } else if (cpuOnly.isEmpty()) {
            created = KernelNetwork.create(validated, id -> backendFor(id, configured.get(id).device()));
        } else {
            // Kernels that send to each other run on one kind of backend; these cannot run on the device.
            linksBackend = new CpuBackend();
            log.info("Ring kernels " + validated.upstreamFirst() + " send messages to each other and " + cpuOnly
                    + " have no CUDA source, so all of them run on the cpu backend, the other kernels on '"
                    + selection.backend().name() + "'");
            created = KernelNetwork.create(validated, linksBackend);
        }
        List<ManagedKernel> members = new ArrayList<>();
        for (RingKernelDefinition<?, ?> d : effective) {
            ManagedKernel m = new ManagedKernel(created.kernel(d.id()), d, configured.get(d.id()));
            members.add(m);
            kernels.put(m.id(), m);
            order.add(m);
        }
        network = created;
        networkOrder = validated.upstreamFirst();
        if (running) {
            for (ManagedKernel m : startOrder(members)) {
                startKernel(m);
            }
        }
        for (ManagedKernel m : members) {
            for (Consumer<ManagedKernel> l : listeners) {
                l.accept(m);
            }
        }
        return created.kernel(definition.id());
    }

    /** {@code ks} in start order: kernels of the network downstream first, so none sends before its targets run. */
    private List<ManagedKernel> startOrder(List<ManagedKernel> ks) {
        List<String> upstreamFirst = networkOrder;
        List<ManagedKernel> out = new ArrayList<>(ks);
        out.sort(Comparator.comparingInt(k -> -upstreamFirst.indexOf(k.id())));
        return out;
    }

    /** The routes (links and topic deliveries) that start at kernel {@code id}, with their counters; empty if none. */
    public List<KernelRoutes.Route> routesFrom(String id) {
        KernelNetwork n = network;
        if (n == null) {
            return List.of();
        }
        return n.routesFrom(id);
    }

    /** Kernels in creation order. */
    public List<ManagedKernel> kernels() {
        return List.copyOf(order);
    }

    /** The kernel with this id, or {@code null}. */
    public ManagedKernel kernel(String id) {
        return kernels.get(id);
    }

    /**
     * Calls {@code listener} for every kernel now and for each one created later, so binders see
     * kernels created after they were bound (lazy beans).
     */
    public void forEachKernel(Consumer<ManagedKernel> listener) {
        synchronized (this) {
            listeners.add(listener);
            order.forEach(listener);
        }
    }

    /** Whether {@link #start()} has run and {@link #stop()} not since. */
    public boolean isRunning() {
        return running;
    }

    /**
     * Launches every kernel and activates those configured to, then starts the supervisor. A
     * kernel that cannot launch fails the start; the ones already launched stay so until
     * {@link #close()}.
     */
    public synchronized void start() {
        if (running || closed) {
            return;
        }
        for (ManagedKernel k : startOrder(order)) {
            startKernel(k);
        }
        supervisor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "ringkernel-supervisor");
            t.setDaemon(true);
            return t;
        });
        supervisor.scheduleWithFixedDelay(this::supervise, interval.toNanos(), interval.toNanos(), TimeUnit.NANOSECONDS);
        running = true;
    }

    private void startKernel(ManagedKernel k) {
        RingKernel<?, ?> kernel = k.kernel();
        KernelState s = kernel.state();
        if (s == KernelState.CREATED || s == KernelState.TERMINATED || s == KernelState.FAILED) {
            kernel.launch();
        }
        if (k.wantActive() && kernel.state() != KernelState.ACTIVE) {
            kernel.activate();
        }
    }

    /**
     * Stops every kernel: each stops accepting, drains what it accepted within its shutdown
     * timeout, then terminates; messages still unanswered fail with
     * {@link io.ringkernel.KernelTerminatedException}. Kernels stop in parallel, except those that send
     * to each other, which stop one after another upstream first; so the whole stop takes about the
     * longest shutdown timeout, or the sum of a network's. Never throws; failures are logged.
     */
    public void stop() {
        List<ManagedKernel> toStop;
        ScheduledExecutorService s;
        synchronized (this) {
            if (!running) {
                return;
            }
            // Once running is false no restart begins (restart checks it under this lock).
            running = false;
            s = supervisor;
            supervisor = null;
            toStop = List.copyOf(order);
        }
        // Outside the lock: a supervisor pass waiting for it must be able to finish.
        awaitStopped(s);
        List<Thread> stoppers = new ArrayList<>();
        List<String> chained = networkOrder;
        for (ManagedKernel k : toStop) {
            if (!chained.contains(k.id())) {
                stoppers.add(stopper("ringkernel-stop-" + k.id(), () -> terminate(k)));
            }
        }
        if (!chained.isEmpty()) {
            // Upstream first, one after the other: what an upstream kernel forwards while it drains
            // is still answered by the kernels after it.
            stoppers.add(stopper("ringkernel-stop-network", () -> chained.forEach(id -> terminate(kernels.get(id)))));
        }
        for (Thread t : stoppers) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                log.warn("Interrupted while ring kernels were stopping; closing them is left to the context close");
                return;
            }
        }
    }

    private static Thread stopper(String name, Runnable stop) {
        Thread t = new Thread(stop, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static void terminate(ManagedKernel k) {
        try {
            if (k.kernel().state().isRunning()) {
                Duration timeout = k.definition().shutdownTimeout();
                if (!k.kernel().terminate(timeout)) {
                    log.warn("Ring kernel '" + k.id() + "' did not answer every accepted message within " + timeout
                            + "; the rest failed with KernelTerminatedException");
                }
            }
        } catch (RuntimeException e) {
            log.warn("Ring kernel '" + k.id() + "' failed to stop cleanly", e);
        }
    }

    private static void awaitStopped(ScheduledExecutorService s) {
        if (s != null) {
            s.shutdownNow();
            try {
                if (!s.awaitTermination(5, TimeUnit.SECONDS)) {
                    log.warn("ringkernel-supervisor did not stop within 5 s");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Activates one kernel and remembers the intent, so a restart keeps it active. On a FAILED
     * kernel only the intent is recorded, for the next restart; on an ACTIVE one nothing changes.
     *
     * @throws IllegalArgumentException if there is no kernel with this id
     * @throws IllegalStateException if the kernel cannot be activated in its state (the message names it)
     */
    public synchronized void activate(String id) {
        ManagedKernel k = require(id);
        KernelState s = k.kernel().state();
        if (s != KernelState.FAILED && s != KernelState.ACTIVE) {
            k.kernel().activate();
        }
        k.wantActive(true);
    }

    /**
     * Deactivates one kernel and remembers the intent, so a restart keeps it inactive. On a FAILED
     * kernel only the intent is recorded, for the next restart; on an INACTIVE or LAUNCHED one
     * nothing changes.
     *
     * @throws IllegalArgumentException if there is no kernel with this id
     * @throws IllegalStateException if the kernel cannot be deactivated in its state (the message names it)
     */
    public synchronized void deactivate(String id) {
        ManagedKernel k = require(id);
        KernelState s = k.kernel().state();
        if (s != KernelState.FAILED && s != KernelState.INACTIVE && s != KernelState.LAUNCHED) {
            k.kernel().deactivate();
        }
        k.wantActive(false);
    }

    private ManagedKernel require(String id) {
        ManagedKernel k = kernels.get(id);
        if (k == null) {
            throw new IllegalArgumentException("no ring kernel with id '" + id + "'");
        }
        return k;
    }

    /** One supervisor pass; package-private so tests can drive it without waiting for the period. */
    void supervise() {
        for (ManagedKernel k : order) {
            try {
                superviseOne(k);
            } catch (RuntimeException e) {
                log.warn("Supervising ring kernel '" + k.id() + "' failed", e);
            }
        }
    }

    private void superviseOne(ManagedKernel k) {
        long now = System.nanoTime();
        KernelTelemetry t = k.telemetry();
        k.sample(now, t.processed(), throughputWindow);
        boolean wasGivenUp = k.gaveUp();
        if (k.restartDue(now, t.state())) {
            restart(k, now);
        } else if (!wasGivenUp && k.gaveUp()) {
            log.error("Ring kernel '" + k.id() + "' failed again after " + k.settings().restart().maxAttempts()
                    + " restarts in a row; leaving it FAILED (last error: " + t.lastError() + ")");
        }
    }

    private void restart(ManagedKernel k, long now) {
        synchronized (this) {
            RingKernel<?, ?> kernel = k.kernel();
            if (!running || kernel.state() != KernelState.FAILED) {
                return;
            }
            String lastError = kernel.telemetry().lastError();
            try {
                kernel.launch();
                if (k.wantActive()) {
                    kernel.activate();
                }
                k.restarted(now, "restarted after: " + lastError);
                log.warn("Ring kernel '" + k.id() + "' failed (" + lastError + "); restarted it");
            } catch (RuntimeException e) {
                k.restarted(now, "restart failed: " + e);
                log.warn("Restarting ring kernel '" + k.id() + "' failed", e);
            }
        }
    }

    /**
     * Stops the kernels if running, then closes every kernel and the backend, freeing all native
     * memory. Idempotent; never throws.
     */
    @Override
    public void close() {
        stop();
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            for (ManagedKernel k : order) {
                try {
                    k.kernel().close();
                } catch (RuntimeException e) {
                    log.warn("Closing ring kernel '" + k.id() + "' failed", e);
                }
            }
            try {
                selection.backend().close();
            } catch (RuntimeException e) {
                log.warn("Closing ring kernel backend '" + selection.backend().name() + "' failed", e);
            }
            for (Map.Entry<Integer, Backend> e : deviceBackends.entrySet()) {
                if (e.getValue() != selection.backend()) {
                    try {
                        e.getValue().close();
                    } catch (RuntimeException ex) {
                        log.warn("Closing the ring kernel backend of device " + e.getKey() + " failed", ex);
                    }
                }
            }
            if (linksBackend != null) {
                linksBackend.close();
            }
        }
    }
}
