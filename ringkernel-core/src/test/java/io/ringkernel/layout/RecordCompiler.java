package io.ringkernel.layout;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.FileObject;
import javax.tools.ForwardingJavaFileManager;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;

/**
 * Compiles generated Java source in memory and loads it, so property tests can try record types
 * whose shapes are generated rather than picked from a fixed list. Each source gets a class loader
 * of its own (a child of the test's), so generated names never collide between tries, and is
 * compiled once.
 *
 * <p>Thread-safety: thread-safe.
 */
public final class RecordCompiler {

    private static final JavaCompiler JAVAC = ToolProvider.getSystemJavaCompiler();
    // Shared by all compilations, so each one does not open the class path again.
    private static final StandardJavaFileManager FILES = JAVAC.getStandardFileManager(null, null, null);
    private static final Map<String, Class<?>> COMPILED = new ConcurrentHashMap<>();
    /**
     * Where ringkernel's layout annotations are, which generated records use: taken from the class
     * itself, since launchers that build their own class loader leave java.class.path without it.
     */
    private static final String CLASS_PATH = classPathOf(Length.class);

    private RecordCompiler() {
    }

    /**
     * Compiles {@code source}, one top-level class {@code gen.<simpleName>}, and returns it; its
     * nested types come from {@link Class#getClasses()} or {@link #nested}.
     *
     * @throws AssertionError if javac rejects the source (a bug in the generator, not in ringkernel)
     */
    public static Class<?> compile(String simpleName, String source) {
        return COMPILED.computeIfAbsent(simpleName + '\n' + source, key -> doCompile(simpleName, source));
    }

    /** The public nested type {@code name} of a class returned by {@link #compile}. */
    public static Class<?> nested(Class<?> unit, String name) {
        for (Class<?> c : unit.getClasses()) {
            if (c.getSimpleName().equals(name)) {
                return c;
            }
        }
        throw new AssertionError(unit.getName() + " has no nested type " + name);
    }

    private static String classPathOf(Class<?> type) {
        try {
            return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException("cannot locate " + type.getName(), e);
        }
    }

    private static synchronized Class<?> doCompile(String simpleName, String source) {
        String className = "gen." + simpleName;
        JavaFileObject input = new SimpleJavaFileObject(URI.create("string:///gen/" + simpleName + ".java"),
                JavaFileObject.Kind.SOURCE) {
            @Override
            public CharSequence getCharContent(boolean ignoreEncodingErrors) {
                return source;
            }
        };
        Map<String, byte[]> classes = new ConcurrentHashMap<>();
        ForwardingJavaFileManager<StandardJavaFileManager> output = new ForwardingJavaFileManager<>(FILES) {
            @Override
            public JavaFileObject getJavaFileForOutput(Location location, String name, JavaFileObject.Kind kind,
                    FileObject sibling) {
                return new SimpleJavaFileObject(URI.create("bytes:///" + name.replace('.', '/') + ".class"), kind) {
                    @Override
                    public OutputStream openOutputStream() {
                        return new ByteArrayOutputStream() {
                            @Override
                            public void close() {
                                classes.put(name, toByteArray());
                            }
                        };
                    }
                };
            }
        };
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        List<String> options = List.of("--release", "17", "-proc:none", "-classpath", CLASS_PATH);
        if (!JAVAC.getTask(null, output, diagnostics, options, null, List.of(input)).call()) {
            List<String> errors = new ArrayList<>();
            for (Diagnostic<? extends JavaFileObject> d : diagnostics.getDiagnostics()) {
                errors.add(d.getLineNumber() + ": " + d.getMessage(null));
            }
            throw new AssertionError("generated source does not compile: " + errors + "\n" + source);
        }
        ClassLoader loader = new ClassLoader(RecordCompiler.class.getClassLoader()) {
            @Override
            protected Class<?> findClass(String name) throws ClassNotFoundException {
                byte[] bytes = classes.get(name);
                if (bytes == null) {
                    throw new ClassNotFoundException(name);
                }
                return defineClass(name, bytes, 0, bytes.length);
            }
        };
        try {
            return loader.loadClass(className);
        } catch (ClassNotFoundException e) {
            throw new AssertionError("javac produced no " + className, e);
        }
    }
}
