package dev.virtuoso.rollback.gcp;

import com.google.api.gax.rpc.ApiException;
import com.google.api.gax.rpc.StatusCode;
import dev.virtuoso.rollback.runbook.ExitCode;
import dev.virtuoso.rollback.runbook.RunbookException;
import java.util.concurrent.ExecutionException;

/** ApiException → domain errors with the resource named, in one place for every adapter. */
final class GcpErrors {
    private GcpErrors() {
    }

    /** For reads and synchronous rejections: bad names and arguments are the user's input. */
    static RunbookException translate(String api, String resource, Throwable t) {
        Throwable cause = unwrap(t);
        if (cause instanceof RunbookException r) {
            return r;
        }
        if (!(cause instanceof ApiException e)) {
            return new RunbookException(ExitCode.API_FAILURE, api + ": " + resource + ": " + cause, cause);
        }
        StatusCode.Code code = e.getStatusCode().getCode();
        String message = api + ": " + describe(code) + " " + resource + ": " + firstLine(e.getMessage())
                + rootCause(e);
        ExitCode exit = switch (code) {
            case NOT_FOUND, INVALID_ARGUMENT, OUT_OF_RANGE, ALREADY_EXISTS -> ExitCode.INVALID_INPUT;
            // AIP-154: a stale etag is ABORTED; some APIs say FAILED_PRECONDITION (GCP-NOTES).
            case ABORTED, FAILED_PRECONDITION -> ExitCode.CONFLICT;
            default -> ExitCode.API_FAILURE;
        };
        return new RunbookException(exit, message, e);
    }

    static Throwable unwrap(Throwable t) {
        Throwable c = t;
        while ((c instanceof ExecutionException || c instanceof java.util.concurrent.CompletionException)
                && c.getCause() != null) {
            c = c.getCause();
        }
        return c;
    }

    /** gRPC says only "io exception" for a refused or reset connection; the cause says which. */
    private static String rootCause(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root == e || root.getMessage() == null || root instanceof io.grpc.StatusRuntimeException ? ""
                : " (" + firstLine(root.getMessage()) + ")";
    }

    private static String describe(StatusCode.Code code) {
        return switch (code) {
            case NOT_FOUND -> "not found:";
            case PERMISSION_DENIED -> "permission denied on";
            case UNAUTHENTICATED -> "not authenticated for";
            case UNAVAILABLE -> "unavailable:";
            case DEADLINE_EXCEEDED -> "timed out on";
            case INVALID_ARGUMENT -> "rejected";
            case ABORTED, FAILED_PRECONDITION -> "conflict on";
            default -> code.name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ') + " on";
        };
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return (nl < 0 ? s : s.substring(0, nl)).replaceFirst("^io\\.grpc\\.StatusRuntimeException: [A-Z_]+: ", "");
    }
}
