package dev.virtuoso.rollback.image;

import static org.assertj.core.api.Assertions.assertThat;

import dev.virtuoso.rollback.model.ServiceRef;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The names the tool gives the revisions it deploys. */
class RevisionNameTest {
    private static final Instant T = Instant.parse("2026-12-01T08:49:00.271Z");
    /** A DNS label, as Cloud Run wants a revision's name: a letter first, no hyphen last, at most 63. */
    private static final String LABEL = "[a-z]([-a-z0-9]{0,61}[a-z0-9])?";

    /** A service name of {@code length} characters: a letter first, a digit last when it has two or more. */
    private static ServiceRef service(int length) {
        return new ServiceRef("p", "r", length == 1 ? "s" : "s" + "a".repeat(length - 2) + "1");
    }

    @Test
    void namesAreValidForEveryServiceNameLengthCloudRunAllows() {
        // A service id has fewer than 50 characters (CreateServiceRequest.service_id).
        for (int length = 1; length <= 49; length++) {
            ServiceRef ref = service(length);
            String name = ImageRollback.freshName(ref, T);
            assertThat(name).as(ref.name()).matches(LABEL).startsWith(ref.name() + "-").doesNotContain("--");
        }
    }

    @Test
    void aShortServiceKeepsTheReadableRollbackTime() {
        assertThat(ImageRollback.freshName(new ServiceRef("p", "r", "virtuoso-api"), T))
                .matches("virtuoso-api-rollback-20261201-084900-271-[a-z0-9]{4}");
    }

    @Test
    void twoRollbacksInTheSameSecondOrTheSameMillisecondGetDifferentNamesForEveryServiceLength() {
        for (int length : new int[] {1, 12, 29, 30, 34, 35, 45, 48, 49}) {
            ServiceRef ref = service(length);
            Set<String> names = new HashSet<>();
            names.add(ImageRollback.freshName(ref, T));
            names.add(ImageRollback.freshName(ref, T));
            names.add(ImageRollback.freshName(ref, T.plusMillis(1)));
            names.add(ImageRollback.freshName(ref, T.plus(Duration.ofSeconds(1))));
            names.add(ImageRollback.freshName(ref, T.plus(Duration.ofHours(3))));
            assertThat(names).as(ref.name()).hasSize(5);
        }
    }
}
