package dev.virtuoso.rollback.model;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class FingerprintTest {
    @Test
    void isComputedOnceWhenFirstComparedAndNotBefore() {
        AtomicInteger computed = new AtomicInteger();
        Fingerprint a = Fingerprint.of(() -> {
            computed.incrementAndGet();
            return "66918d85a0ea0dcd";
        });
        assertThat(computed).hasValue(0);
        assertThat(a).isEqualTo(Fingerprint.of(() -> "66918d85a0ea0dcd")).isNotEqualTo(Fingerprint.of(() -> "0"));
        assertThat(a.hashCode()).isEqualTo("66918d85a0ea0dcd".hashCode());
        assertThat(computed).hasValue(1);
    }

    @Test
    void isItsValueInJson() throws Exception {
        assertThat(new ObjectMapper().writeValueAsString(Fingerprint.of(() -> "abc"))).isEqualTo("\"abc\"");
    }
}
