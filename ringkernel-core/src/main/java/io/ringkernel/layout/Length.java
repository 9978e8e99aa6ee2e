package io.ringkernel.layout;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Declares that a primitive-array record component always holds exactly {@link #value()}
 * elements. The array is stored inline in the message slot; an array of another length is
 * rejected when the message is sent.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.RECORD_COMPONENT, ElementType.FIELD, ElementType.PARAMETER, ElementType.METHOD})
public @interface Length {

    /** Number of elements, at least 1. */
    int value();
}
