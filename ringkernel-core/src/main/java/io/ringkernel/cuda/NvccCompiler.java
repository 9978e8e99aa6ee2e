package io.ringkernel.cuda;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The fallback compiler: runs {@code nvcc -cubin} in a temporary folder when NVRTC cannot be
 * loaded. Slower to start than NVRTC, so it matters only for cold starts.
 *
 * <p>Thread-safety: each call works in its own temporary folder.
 */
final class NvccCompiler implements KernelCompiler {

    private static final long TIMEOUT_SECONDS = 300;

    private final Path nvcc;

    private NvccCompiler(Path nvcc) {
        this.nvcc = nvcc;
    }

    /** The first {@code nvcc} found, or {@code null}. */
    static NvccCompiler find() {
        List<Path> candidates = new ArrayList<>();
        String home = System.getenv("CUDA_HOME");
        if (home != null) {
            candidates.add(Path.of(home, "bin", "nvcc"));
        }
        String path = System.getenv("PATH");
        if (path != null) {
            for (String dir : path.split(":")) {
                if (!dir.isEmpty()) {
                    candidates.add(Path.of(dir, "nvcc"));
                }
            }
        }
        candidates.add(Path.of("/usr/local/cuda/bin/nvcc"));
        for (Path p : candidates) {
            if (Files.isExecutable(p)) {
                return new NvccCompiler(p);
            }
        }
        return null;
    }

    @Override
    public String id() {
        return "nvcc:" + nvcc;
    }

    @Override
    public List<String> options(String arch) {
        // -fmad=false for the same reason as NvrtcCompiler: results identical to the CPU backend's.
        return List.of("-cubin", "-arch=" + arch, "-std=c++17", "-fmad=false", "-lineinfo");
    }

    @Override
    public byte[] compile(KernelSource source, String arch) {
        Path dir = null;
        try {
            dir = Files.createTempDirectory("ringkernel-nvcc");
            Path src = dir.resolve("kernel.cu");
            Path out = dir.resolve("kernel.cubin");
            Files.writeString(src, source.text(), StandardCharsets.UTF_8);
            List<String> cmd = new ArrayList<>();
            cmd.add(nvcc.toString());
            cmd.addAll(options(arch));
            cmd.add("-o");
            cmd.add(out.toString());
            cmd.add(src.toString());
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            byte[] log = p.getInputStream().readAllBytes();
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new CudaCompileException(source.handlerFile(), id(), "nvcc timed out after " + TIMEOUT_SECONDS + " s");
            }
            if (p.exitValue() != 0) {
                throw new CudaCompileException(source.handlerFile(), id(), new String(log, StandardCharsets.UTF_8).strip());
            }
            return Files.readAllBytes(out);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + nvcc, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CudaException("interrupted while nvcc compiled " + source.handlerFile(), e);
        } finally {
            deleteQuietly(dir);
        }
    }

    private static void deleteQuietly(Path dir) {
        if (dir == null) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            // a leftover temporary folder is harmless
        }
    }
}
