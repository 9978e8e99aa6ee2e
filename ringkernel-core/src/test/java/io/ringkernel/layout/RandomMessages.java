package io.ringkernel.layout;

import java.lang.reflect.Array;
import java.lang.reflect.Constructor;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Random instances of any valid message record, biased to the values where encodings break:
 * NaNs with arbitrary payloads and sign, ±infinity, -0.0, subnormals, min and max of every type,
 * empty and full {@link MaxLength} arrays. And {@link #raw} views that compare floating-point
 * values by their bits, since {@code record.equals} treats every NaN as equal and -0.0 as 0.0.
 */
public final class RandomMessages {

    private static final float[] SPECIAL_FLOATS = {0f, -0f, Float.MIN_VALUE, -Float.MIN_VALUE, Float.MIN_NORMAL,
        Float.MAX_VALUE, -Float.MAX_VALUE, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN};
    private static final double[] SPECIAL_DOUBLES = {0d, -0d, Double.MIN_VALUE, -Double.MIN_VALUE, Double.MIN_NORMAL,
        Double.MAX_VALUE, -Double.MAX_VALUE, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, Double.NaN};
    private static final long[] SPECIAL_LONGS = {0, 1, -1, Long.MIN_VALUE, Long.MAX_VALUE, Integer.MIN_VALUE,
        Integer.MAX_VALUE, Short.MIN_VALUE, Short.MAX_VALUE, Byte.MIN_VALUE, Byte.MAX_VALUE, 0xFFFF, 0xFF};

    private RandomMessages() {
    }

    /** A random instance of {@code type}, a record that {@link MessageLayout#of} accepts. */
    public static <T> T of(Class<T> type, SplittableRandom random) {
        RecordComponent[] components = type.getRecordComponents();
        Object[] args = new Object[components.length];
        Class<?>[] types = new Class<?>[components.length];
        for (int i = 0; i < components.length; i++) {
            RecordComponent c = components[i];
            types[i] = c.getType();
            if (c.getType().isArray()) {
                Length fixed = c.getAnnotation(Length.class);
                int n = fixed != null ? fixed.value() : length(c.getAnnotation(MaxLength.class).value(), random);
                args[i] = array(c.getType().getComponentType(), n, random);
            } else if (c.getType() == BufferHandle.class) {
                args[i] = new BufferHandle(randomLong(random), randomLong(random) & Long.MAX_VALUE);
            } else if (c.getType().isRecord()) {
                args[i] = of(c.getType(), random);
            } else {
                args[i] = primitive(c.getType(), random);
            }
        }
        try {
            Constructor<T> ctor = type.getDeclaredConstructor(types);
            return ctor.newInstance(args);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError("cannot construct " + type.getName(), e);
        }
    }

    /**
     * The value as nested lists: records become lists of their components, arrays lists of their
     * elements, floats and doubles their raw bits. Two messages are bit for bit the same exactly when
     * their raw views are equal, and AssertJ shows where they differ.
     */
    public static Object raw(Object value) {
        if (value instanceof Float f) {
            return "f:" + Integer.toHexString(Float.floatToRawIntBits(f));
        }
        if (value instanceof Double d) {
            return "d:" + Long.toHexString(Double.doubleToRawLongBits(d));
        }
        if (value != null && value.getClass().isArray()) {
            List<Object> elements = new ArrayList<>();
            for (int i = 0, n = Array.getLength(value); i < n; i++) {
                elements.add(raw(Array.get(value, i)));
            }
            return elements;
        }
        if (value instanceof Record r) {
            List<Object> components = new ArrayList<>();
            for (RecordComponent c : r.getClass().getRecordComponents()) {
                try {
                    components.add(c.getName() + "=" + raw(c.getAccessor().invoke(r)));
                } catch (ReflectiveOperationException e) {
                    throw new AssertionError("cannot read " + c, e);
                }
            }
            return components;
        }
        return value;
    }

    private static int length(int max, SplittableRandom random) {
        return switch (random.nextInt(4)) {
            case 0 -> 0;
            case 1 -> max;
            default -> random.nextInt(max + 1);
        };
    }

    private static Object array(Class<?> element, int n, SplittableRandom random) {
        Object array = Array.newInstance(element, n);
        for (int i = 0; i < n; i++) {
            Array.set(array, i, primitive(element, random));
        }
        return array;
    }

    private static Object primitive(Class<?> type, SplittableRandom random) {
        if (type == boolean.class) {
            return random.nextBoolean();
        } else if (type == byte.class) {
            return (byte) randomLong(random);
        } else if (type == short.class) {
            return (short) randomLong(random);
        } else if (type == char.class) {
            return (char) randomLong(random);
        } else if (type == int.class) {
            return (int) randomLong(random);
        } else if (type == long.class) {
            return randomLong(random);
        } else if (type == float.class) {
            return randomFloat(random);
        } else if (type == double.class) {
            return randomDouble(random);
        }
        throw new AssertionError("not a primitive: " + type);
    }

    private static long randomLong(SplittableRandom random) {
        return random.nextInt(4) == 0 ? SPECIAL_LONGS[random.nextInt(SPECIAL_LONGS.length)] : random.nextLong();
    }

    /** A quarter special values, a quarter NaNs with a random payload and sign, the rest any bit pattern. */
    static float randomFloat(SplittableRandom random) {
        return switch (random.nextInt(4)) {
            case 0 -> SPECIAL_FLOATS[random.nextInt(SPECIAL_FLOATS.length)];
            case 1 -> Float.intBitsToFloat(0x7F80_0000 | (random.nextInt(0x7F_FFFF) + 1) | (random.nextBoolean() ? 0x8000_0000 : 0));
            default -> Float.intBitsToFloat(random.nextInt());
        };
    }

    /** As {@link #randomFloat}, for doubles. */
    static double randomDouble(SplittableRandom random) {
        return switch (random.nextInt(4)) {
            case 0 -> SPECIAL_DOUBLES[random.nextInt(SPECIAL_DOUBLES.length)];
            case 1 -> Double.longBitsToDouble(0x7FF0_0000_0000_0000L | (random.nextLong(0xF_FFFF_FFFF_FFFFL) + 1)
                    | (random.nextBoolean() ? Long.MIN_VALUE : 0));
            default -> Double.longBitsToDouble(random.nextLong());
        };
    }
}
