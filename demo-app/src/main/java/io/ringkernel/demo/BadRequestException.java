package io.ringkernel.demo;

/** A request the API refuses with 400 and this message as the problem detail. */
public class BadRequestException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public BadRequestException(String message) {
        super(message);
    }
}
