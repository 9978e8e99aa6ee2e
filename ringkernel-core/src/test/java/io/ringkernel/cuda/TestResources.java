package io.ringkernel.cuda;

import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.function.Supplier;

/** Makes files in a folder visible as class-path resources (through the thread's context loader) for a call. */
final class TestResources {

    private TestResources() {
    }

    static <T> T withClassPathRoot(Path root, Supplier<T> action) {
        Thread t = Thread.currentThread();
        ClassLoader previous = t.getContextClassLoader();
        try (URLClassLoader loader = new URLClassLoader(new URL[] {root.toUri().toURL()}, previous)) {
            t.setContextClassLoader(loader);
            return action.get();
        } catch (MalformedURLException e) {
            throw new IllegalArgumentException(e);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } finally {
            t.setContextClassLoader(previous);
        }
    }
}
