package dev.virtuoso.rollback.port;

import dev.virtuoso.rollback.model.VerifyReport;
import dev.virtuoso.rollback.model.VerifyRequest;

/** Port: runs health and functional checks. */
public interface Verifier {
    /** Reads only, also with a functional check that POSTs: the runbook's checks probe the service, not change it. */
    @ReadOnly
    VerifyReport verify(VerifyRequest request);
}
