package io.ringkernel.layout;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Declares that a primitive-array record component holds 0 to {@link #value()} elements. The slot
 * reserves room for the maximum and stores the actual count in a {@code uint32_t <name>_length}
 * field just before the elements; a longer array is rejected when the message is sent.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.RECORD_COMPONENT, ElementType.FIELD, ElementType.PARAMETER, ElementType.METHOD})
public @interface MaxLength {

    /** Maximum number of elements, at least 1. */
    int value();
}
