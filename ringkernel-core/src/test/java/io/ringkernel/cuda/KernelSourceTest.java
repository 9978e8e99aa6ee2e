package io.ringkernel.cuda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.ringkernel.RingKernelDefinition;
import io.ringkernel.cuda.probe.ProbeKernels;
import io.ringkernel.examples.VectorAddKernels;
import io.ringkernel.examples.pipeline.PipelineKernels;
import io.ringkernel.ring.ControlBlock;

/**
 * Kernel sources assemble from runtime, generated structs and handler; where a CUDA compiler is
 * installed (nvcc or NVRTC, no GPU needed) they compile to CUBINs, compile errors carry the log
 * and file name, and the disk cache turns the second compilation into a read. The assembled
 * sources are written to {@code target/generated-cuda} for {@code scripts/check-cuda-sources.sh}.
 */
class KernelSourceTest {

    static List<RingKernelDefinition<?, ?>> exampleKernels() {
        List<RingKernelDefinition<?, ?>> all = new ArrayList<>(List.of(VectorAddKernels.inline("vector-add").build(),
                VectorAddKernels.buffered("vector-add-buffer").build(), RunningSumKernels.definition("running-sum").build(),
                ProbeKernels.definition("probe").build()));
        all.addAll(PipelineKernels.linked(1024));
        all.addAll(PipelineKernels.hostRouted(1024));
        return all;
    }

    static final CudaDeviceInfo H100 = new CudaDeviceInfo(0, "H100 (offline)", 9, 0, 80L << 30, 132, 48 * 1024, 13000,
            "00000000:00:00.0");

    @Test
    void assemblesRuntimeStructsAndHandlerWithLineDirectives() throws IOException {
        Path out = Path.of("target", "generated-cuda");
        Files.createDirectories(out);
        for (RingKernelDefinition<?, ?> d : exampleKernels()) {
            KernelSource s = KernelSource.of(d);
            assertThat(s.text())
                    .contains("#line 1 \"" + d.cudaSource() + "\"")
                    .contains("#line 1 \"io/ringkernel/cuda/rk_loop.cuh\"")
                    .contains("typedef struct " + d.requestLayout().cStructName() + " {")
                    .contains("#define RK_REQUEST " + d.requestLayout().cStructName())
                    .contains("#define RK_HAS_" + d.responseLayout().cStructName() + " 1");
            assertThat(s.stateful()).isEqualTo(d.stateLayout() != null);
            Files.writeString(out.resolve(d.id() + ".cu"), s.text());
        }
        KernelSource ingest = KernelSource.of(PipelineKernels.linked(64).get(0));
        assertThat(ingest.text()).contains("#define RK_LINK_aggregate 1",
                "int rk_forward_aggregate(rk_context* ctx, const PipelineReading* m) { return rk_link_forward(ctx, 0,",
                "#line 1 \"" + KernelSource.LINKS + "\"");
        KernelSource aggregate = KernelSource.of(PipelineKernels.linked(64).get(1));
        assertThat(aggregate.text()).contains("typedef struct PipelineAlert {", "#define RK_TOPIC_alerts 1",
                "int rk_publish_alerts(rk_context* ctx, const PipelineAlert* m) { return rk_topic_publish(ctx, 0,");
        KernelSource stateful = KernelSource.of(RunningSumKernels.definition("rs").build());
        assertThat(stateful.text()).contains("#define RK_KEY_TYPE int64_t", "#define RK_KEY_OFFSET 0",
                "#define RK_STATE_ENTRY_BYTES 32");
    }

    @Test
    void theLoopKnowsTheRunStatesByTheHostsNumbers() {
        // The host writes ControlBlock's numbers into the run word; the loop compares with its own.
        assertThat(KernelSource.of(ProbeKernels.definition("states").build()).text()).contains(
                "#define RK_INACTIVE " + ControlBlock.INACTIVE + "ull", "#define RK_ACTIVE " + ControlBlock.ACTIVE + "ull",
                "#define RK_TERMINATE " + ControlBlock.TERMINATE + "ull", "#define RK_ABANDON " + ControlBlock.ABANDON + "ull");
    }

    @Test
    void aStatelessKernelKnowsItsRequestsKeyWhenTheyHaveOne() {
        // The loop hands a sending kernel's messages to warps by key, so what it sends keeps per-key order.
        KernelSource ingest = KernelSource.of(PipelineKernels.linked(64).get(0));
        assertThat(ingest.stateful()).isFalse();
        assertThat(ingest.text()).contains("#define RK_KEY_TYPE int64_t", "#define RK_KEY_OFFSET 0");
        KernelSource probe = KernelSource.of(ProbeKernels.definition("unkeyed").build());
        assertThat(probe.text()).doesNotContain("#define RK_KEY_OFFSET");
    }

    @Test
    void missingHandlerResourceFailsWithItsName() {
        RingKernelDefinition<?, ?> d = ProbeKernels.definition("x").cudaSource("no/such/handler.cu").build();
        assertThatThrownBy(() -> KernelSource.of(d)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no/such/handler.cu");
    }

    @Test
    void everyExampleCompilesForSm90AndTheCacheServesTheSecondStart(@TempDir Path cacheDir) {
        KernelCompiler compiler = compilerOrSkip();
        CompileCache cache = new CompileCache(cacheDir);
        Set<String> seen = new HashSet<>();
        for (RingKernelDefinition<?, ?> d : exampleKernels()) {
            KernelSource s = KernelSource.of(d);
            if (!seen.add(s.text())) {
                continue;  // alerts-a and alerts-b are one source, so one compiled module
            }
            CompileCache.Result cold = cache.compile(compiler, s, H100);
            CompileCache.Result warm = cache.compile(compiler, s, H100);
            assertThat(cold.cached()).isFalse();
            assertThat(warm.cached()).isTrue();
            assertThat(warm.cubin()).isEqualTo(cold.cubin());
            // An ELF image, not PTX text: loading it needs no JIT.
            assertThat(cold.cubin()).startsWith((byte) 0x7f, (byte) 'E', (byte) 'L', (byte) 'F');
        }
    }

    @Test
    void isCompiledForTheBlockSizeItLaunchesWith() {
        KernelSource s = KernelSource.of(ProbeKernels.definition("bounds").build());

        assertThat(s.forBlockSize(256).text()).startsWith("#define RK_BLOCK_THREADS 256\n").endsWith(s.text());
        assertThat(s.text()).contains("#define RK_BLOCK_THREADS 1024\n#endif", "__launch_bounds__(RK_BLOCK_THREADS)");
        assertThatThrownBy(() -> s.forBlockSize(100)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("multiple of 32");
    }

    @Test
    void compileErrorsCarryTheLogAndTheHandlerFile(@TempDir Path dir) throws IOException {
        KernelCompiler compiler = compilerOrSkip();
        Files.writeString(dir.resolve("broken.cu"), """
                __device__ int rk_handle(const ProbeRequest* in, ProbeResponse* out, rk_context* ctx) {
                    return undefined_symbol;
                }
                """);
        KernelSource s = TestResources.withClassPathRoot(dir,
                () -> KernelSource.of(ProbeKernels.definition("broken").cudaSource("broken.cu").build()));
        assertThatThrownBy(() -> compiler.compile(s, "sm_90"))
                .isInstanceOfSatisfying(CudaCompileException.class, e -> {
                    assertThat(e.handlerFile()).isEqualTo("broken.cu");
                    assertThat(e.log()).contains("broken.cu").contains("undefined_symbol");
                });
    }

    static KernelCompiler compilerOrSkip() {
        KernelCompiler c = null;
        String why = "";
        try {
            c = KernelCompiler.find(CudaOptions.fromSystemProperties());
        } catch (RuntimeException e) {
            why = e.getMessage();
        }
        assumeTrue(c != null, "no CUDA compiler here: " + why);
        return c;
    }
}
