package io.ringkernel.spring;

import java.time.Duration;
import java.util.Objects;

/**
 * How a failed kernel is restarted: exponential back-off from {@code backoff} up to
 * {@code maxBackoff}, at most {@code maxAttempts} restarts in a row. A kernel that runs for
 * {@code resetAfter} after a restart without failing starts counting from zero again, so one bad
 * message a day never exhausts the attempts while a crash loop is cut off quickly.
 *
 * <p>Immutable and thread-safe.
 *
 * @param policy whether to restart at all
 * @param maxAttempts most restarts in a row, at least 1
 * @param backoff wait before the first restart
 * @param maxBackoff longest wait between two restarts
 * @param resetAfter stable run time after which the attempt count is reset
 */
public record RestartSettings(RestartPolicy policy, int maxAttempts, Duration backoff, Duration maxBackoff,
        Duration resetAfter) {

    /** No restarts. */
    public static final RestartSettings NONE = new RestartSettings(RestartPolicy.NONE, 5, Duration.ofSeconds(1),
            Duration.ofSeconds(30), Duration.ofMinutes(5));

    public RestartSettings {
        Objects.requireNonNull(policy, "policy");
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be at least 1: " + maxAttempts);
        }
        if (backoff.isNegative() || maxBackoff.compareTo(backoff) < 0 || resetAfter.isNegative()) {
            throw new IllegalArgumentException("need 0 <= backoff <= maxBackoff and resetAfter >= 0: " + backoff + ", "
                    + maxBackoff + ", " + resetAfter);
        }
    }

    /**
     * The wait before restart number {@code attempt} (1-based): {@code backoff × 2^(attempt-1)},
     * capped at {@code maxBackoff}.
     */
    public Duration delayBefore(int attempt) {
        Duration d = backoff;
        for (int i = 1; i < attempt && d.compareTo(maxBackoff) < 0; i++) {
            d = d.multipliedBy(2);
        }
        return d.compareTo(maxBackoff) > 0 ? maxBackoff : d;
    }
}
