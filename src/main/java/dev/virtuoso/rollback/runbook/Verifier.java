package dev.virtuoso.rollback.runbook;

/** Port: runs health and functional checks. */
public interface Verifier {
    VerifyReport verify(VerifyRequest request);
}
