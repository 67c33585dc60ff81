package dev.virtuoso.rollback.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.virtuoso.rollback.SecretPieces;
import org.junit.jupiter.api.Test;

class SecretTest {
    private static final String KEY = "vk-demo-4f1c9e27b3d8a6052c1e";
    private final Secret.Registry secrets = new Secret.Registry();

    @Test
    void aKeyIsRedactedWholeAndSoIsEveryRunOfEightOrMoreOfItsCharactersACutLeft() {
        secrets.add(new Secret(KEY));

        assertThat(secrets.redact("bad key " + KEY + ".")).isEqualTo("bad key [redacted].");
        // The start of the key at the end of a cut answer, its end at the start of the next piece.
        assertThat(secrets.redact("bad key " + KEY.substring(0, 13))).isEqualTo("bad key [redacted]");
        assertThat(secrets.redact(KEY.substring(9) + " was refused")).isEqualTo("[redacted] was refused");
        assertThat(secrets.redact("in the middle: " + KEY.substring(5, 13) + "!")).isEqualTo("in the middle: [redacted]!");
        // Seven characters are not a piece: ordinary words must stay readable.
        assertThat(secrets.redact("vk-demo and 6052c1e")).isEqualTo("vk-demo and 6052c1e");
    }

    @Test
    void cutRedactsBeforeItCutsSoAKeyAcrossTheCutLeavesNoPiece() {
        secrets.add(new Secret(KEY));
        String body = "x".repeat(110) + KEY;

        String cut = secrets.cut(body, 120);

        assertThat(cut).isEqualTo("x".repeat(110) + "[redacted]");
        assertThat(SecretPieces.in(cut, KEY)).isEmpty();
        assertThat(secrets.cut("x".repeat(115) + KEY, 120)).isEqualTo("x".repeat(115) + "[reda…");
    }

    @Test
    void aValueIsTrimmedOnceAndBothItsTrimmedAndUntrimmedFormsAreRedacted() {
        Secret stored = new Secret(KEY + "\n");
        secrets.add(stored);

        assertThat(stored.reveal()).isEqualTo(KEY);
        assertThat(secrets.redact("header value " + KEY + "\nnext line")).isEqualTo("header value [redacted]next line");
        assertThat(secrets.redact("as sent: " + KEY + ";")).isEqualTo("as sent: [redacted];");
    }

    @Test
    void aWebhookUrlKeepsItsHostAndTheWordsItsPathStartsWithAndLosesEveryPieceOfTheRest() {
        String hook = "https://hooks.slack.com/services/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";
        secrets.add(new Secret(hook));

        assertThat(secrets.redact("posting to " + hook + " failed")).isEqualTo("posting to [redacted] failed");
        assertThat(secrets.redact("no_service: /services/T0SECRET01/B0SECRET02/Zx9Yw8Vu…"))
                .isEqualTo("no_service: /services/[redacted]…");
        // A JSON answer that escapes its slashes still holds the same pieces.
        assertThat(secrets.redact("{\"hook\":\"" + hook.replace("/", "\\/") + "\"}"))
                .isEqualTo("{\"hook\":\"https:\\/\\/hooks.slack.com\\/services\\/[redacted]\\[redacted]\\[redacted]\"}");
        assertThat(secrets.redact("verified https://hooks.slack.com/ and projects/p/locations/r/services/api"))
                .isEqualTo("verified https://hooks.slack.com/ and projects/p/locations/r/services/api");
    }

    @Test
    void credentialsWrittenIntoAUrlAreRedactedThoughNobodyRegisteredThem() {
        assertThat(secrets.redact("unable to access 'https://ci:glpat-123@gitlab.example.com/a.git/'"))
                .isEqualTo("unable to access 'https://***@gitlab.example.com/a.git/'");
    }

    @Test
    void aRegistryWithNoSecretChangesNothingButUrlCredentials() {
        assertThat(secrets.redact("HTTP 500 (expected 2xx): {\"error\": \"x\"}"))
                .isEqualTo("HTTP 500 (expected 2xx): {\"error\": \"x\"}");
        assertThat(new Secret(KEY).toString()).isEqualTo("[redacted]");
    }
}
