package dev.virtuoso.rollback.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class OutputsTest {
    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aChildThatFillsTheStderrPipeBeforeWritingStdoutEndsAndBothStreamsAreReadWhole() throws Exception {
        // 200 000 bytes to stderr first: far more than a pipe holds, so a reader waiting on stdout alone would hang.
        Process p = new ProcessBuilder(List.of("sh", "-c",
                "head -c 200000 /dev/zero | tr '\\0' e >&2; head -c 100000 /dev/zero | tr '\\0' o; exit 3")).start();
        Outputs outputs = Outputs.of(p, 30);
        assertThat(outputs.code()).isEqualTo(3);
        assertThat(outputs.err()).hasSize(200_000);
        assertThat(outputs.err().replace("e", "")).isEmpty();
        assertThat(outputs.out()).hasSize(100_000);
        assertThat(outputs.out().replace("o", "")).isEmpty();
    }
}
