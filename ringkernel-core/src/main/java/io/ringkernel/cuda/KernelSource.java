package io.ringkernel.cuda;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

import io.ringkernel.RingKernelDefinition;
import io.ringkernel.layout.ElementType;
import io.ringkernel.layout.LayoutField;
import io.ringkernel.layout.MessageLayout;

/**
 * The complete CUDA source of one ring kernel: the runtime header, the C structs generated from
 * the message records, macros naming them, the user's handler (from its class-path resource), and
 * the dispatch loop. {@code #line} directives keep compiler messages pointing into the original
 * files.
 *
 * @param handlerFile the handler's class-path resource
 * @param text the whole translation unit
 * @param stateful whether the loop is compiled for a stateful kernel
 * @param stateEntryBytes bytes per state-table entry (0 for stateless kernels)
 */
public record KernelSource(String handlerFile, String text, boolean stateful, int stateEntryBytes) {

    static final String RUNTIME = "io/ringkernel/cuda/rk_runtime.cuh";
    static final String LINKS = "io/ringkernel/cuda/rk_links.cuh";
    static final String LOOP = "io/ringkernel/cuda/rk_loop.cuh";
    /** Name of the kernel entry point in every ring kernel module. */
    static final String ENTRY = "rk_ring_kernel";

    /**
     * Assembles the source of {@code definition}.
     *
     * @throws IllegalArgumentException if the definition has no CUDA source or the resource is missing, or
     *         if two different records among its messages and state would be one C struct
     */
    public static KernelSource of(RingKernelDefinition<?, ?> definition) {
        String handler = definition.cudaSource();
        if (handler == null) {
            throw new IllegalArgumentException("kernel '" + definition.id()
                    + "' has no CUDA source; the CUDA backend needs cudaSource(\"path/handler.cu\")");
        }
        ClassLoader loader = definition.requestLayout().type().getClassLoader();
        StringBuilder out = new StringBuilder(16 * 1024);
        // No kernel id in the text: kernels that share handler and types share one compiled module,
        // so they can be created while others run (see CudaContext.function).
        out.append("// ring kernel assembled by ringkernel\n");
        appendFile(out, RUNTIME, KernelSource.class.getClassLoader());
        out.append("\n// ---- message structs generated from the Java records\n");
        Map<String, Class<?>> types = new LinkedHashMap<>();
        checkStructNames(definition, types, definition.requestLayout());
        checkStructNames(definition, types, definition.responseLayout());
        if (definition.stateLayout() != null) {
            checkStructNames(definition, types, definition.stateLayout());
        }
        Map<String, String> structs = new LinkedHashMap<>();
        collect(structs, definition.requestLayout());
        collect(structs, definition.responseLayout());
        boolean stateful = definition.stateLayout() != null;
        if (stateful) {
            collect(structs, definition.stateLayout());
        }
        for (Class<?> linked : linkedTypes(definition)) {
            MessageLayout<?> layout = MessageLayout.of(linked);
            checkStructNames(definition, types, layout);
            collect(structs, layout);
        }
        structs.forEach((name, body) -> out.append(body).append("\n#define RK_HAS_").append(name).append(" 1\n\n"));
        out.append("#define RK_REQUEST ").append(definition.requestLayout().cStructName()).append('\n');
        out.append("#define RK_RESPONSE ").append(definition.responseLayout().cStructName()).append('\n');
        out.append("#define RK_STATEFUL ").append(stateful ? 1 : 0).append('\n');
        // The loop reads a request's key to pick the warp that handles it: always on stateful kernels,
        // and on a kernel that sends, so that what it sends keeps the order per key.
        LayoutField key = definition.requestLayout().keyField();
        if (key != null) {
            out.append("#define RK_KEY_TYPE ").append(key.type() == ElementType.INT ? "int32_t" : "int64_t").append('\n');
            out.append("#define RK_KEY_OFFSET ").append(key.offset()).append('\n');
        }
        int entryBytes = 0;
        if (stateful) {
            MessageLayout<?> state = definition.stateLayout();
            entryBytes = 16 + (state.size() + 7) / 8 * 8;
            out.append("#define RK_STATE ").append(state.cStructName()).append('\n');
            out.append("#define RK_STATE_ENTRY_BYTES ").append(entryBytes).append('\n');
        }
        out.append('\n');
        appendFile(out, LINKS, KernelSource.class.getClassLoader());
        appendLinkFunctions(out, definition);
        appendFile(out, handler, loader);
        out.append('\n');
        appendFile(out, LOOP, KernelSource.class.getClassLoader());
        return new KernelSource(handler, out.toString(), stateful, entryBytes);
    }

    private static Set<Class<?>> linkedTypes(RingKernelDefinition<?, ?> definition) {
        Set<Class<?>> types = new LinkedHashSet<>(definition.links().values());
        types.addAll(definition.publishes().values());
        return types;
    }

    /**
     * The typed functions a handler sends with, numbered as {@link DeviceLinks} numbers the
     * kernel's outgoing links: declared links first, then topics (rk_links.cuh).
     */
    private static void appendLinkFunctions(StringBuilder out, RingKernelDefinition<?, ?> definition) {
        out.append("// ---- this kernel's links and topics\n");
        int link = 0;
        for (Map.Entry<String, Class<?>> e : definition.links().entrySet()) {
            String struct = MessageLayout.of(e.getValue()).cStructName();
            String name = identifier(e.getKey());
            out.append("#define RK_LINK_").append(name).append(" 1\n");
            out.append("__device__ __forceinline__ int rk_send_").append(name).append("(rk_context* ctx, const ").append(struct)
                    .append("* m) { return rk_link_send(ctx, ").append(link).append(", m, sizeof(").append(struct).append(")); }\n");
            out.append("__device__ __forceinline__ int rk_forward_").append(name).append("(rk_context* ctx, const ").append(struct)
                    .append("* m) { return rk_link_forward(ctx, ").append(link).append(", m, sizeof(").append(struct).append(")); }\n");
            link++;
        }
        int topic = 0;
        for (Map.Entry<String, Class<?>> e : definition.publishes().entrySet()) {
            String struct = MessageLayout.of(e.getValue()).cStructName();
            out.append("#define RK_TOPIC_").append(identifier(e.getKey())).append(" 1\n");
            out.append("__device__ __forceinline__ int rk_publish_").append(identifier(e.getKey())).append("(rk_context* ctx, const ")
                    .append(struct).append("* m) { return rk_topic_publish(ctx, ").append(topic).append(", m, sizeof(")
                    .append(struct).append(")); }\n");
            topic++;
        }
        out.append('\n');
    }

    /**
     * This source compiled for blocks of at most {@code threads} threads ({@code RK_BLOCK_THREADS},
     * the loop's launch bounds; 1024 when not defined).
     */
    public KernelSource forBlockSize(int threads) {
        if (threads < 32 || threads > 1024 || threads % 32 != 0) {
            throw new IllegalArgumentException("block size must be a multiple of 32 between 32 and 1024, was " + threads);
        }
        return new KernelSource(handlerFile, "#define RK_BLOCK_THREADS " + threads + "\n" + text, stateful, stateEntryBytes);
    }

    /** A kernel id or topic as a C identifier: other characters than letters, digits and '_' become '_'. */
    static String identifier(String name) {
        StringBuilder b = new StringBuilder(name.length());
        for (char c : name.toCharArray()) {
            b.append(c < 128 && (Character.isLetterOrDigit(c) || c == '_') ? c : '_');
        }
        return b.toString();
    }

    /**
     * Structs are emitted once per name, so two records with one simple name (say
     * {@code Orders.Item} in the request and {@code Stock.Item} in the response) would leave one of
     * them with the other's fields. A single layout refuses that itself; this covers request,
     * response and state together.
     */
    private static void checkStructNames(RingKernelDefinition<?, ?> definition, Map<String, Class<?>> types,
            MessageLayout<?> layout) {
        Class<?> other = types.putIfAbsent(layout.cStructName(), layout.type());
        if (other != null && other != layout.type()) {
            throw new IllegalArgumentException("kernel '" + definition.id() + "': " + layout.type().getName() + " and "
                    + other.getName() + " would both be C struct " + layout.cStructName() + "; rename one of them");
        }
        for (LayoutField f : layout.fields()) {
            if (f.nested() != null) {
                checkStructNames(definition, types, f.nested());
            }
        }
    }

    private static void collect(Map<String, String> structs, MessageLayout<?> layout) {
        // cStruct() prints nested structs first, each block ending with its static_assert and a
        // blank line; records shared between request, response and state are emitted once.
        for (String block : layout.cStruct().split("\n\n")) {
            String body = block.strip();
            if (body.isEmpty()) {
                continue;
            }
            String closing = body.substring(body.lastIndexOf('}') + 1).strip();
            String name = closing.substring(0, closing.indexOf(';')).strip();
            structs.putIfAbsent(name, body);
        }
    }

    private static void appendFile(StringBuilder out, String resource, ClassLoader loader) {
        String text = read(resource, loader);
        out.append("#line 1 \"").append(resource).append("\"\n").append(text);
        if (!text.endsWith("\n")) {
            out.append('\n');
        }
    }

    /**
     * Reads a class-path resource from the message record's loader, else the thread's context
     * loader (application servers, fat jars), else ringkernel's own.
     */
    static String read(String resource, ClassLoader loader) {
        ClassLoader[] loaders = {loader, Thread.currentThread().getContextClassLoader(), KernelSource.class.getClassLoader()};
        for (ClassLoader cl : loaders) {
            if (cl == null) {
                continue;
            }
            try (InputStream in = cl.getResourceAsStream(resource)) {
                if (in != null) {
                    return new String(in.readAllBytes(), StandardCharsets.UTF_8);
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read CUDA source " + resource, e);
            }
        }
        throw new IllegalArgumentException("CUDA source resource '" + resource + "' is not on the class path");
    }
}
