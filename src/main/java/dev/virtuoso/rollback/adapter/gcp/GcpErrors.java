package dev.virtuoso.rollback.adapter.gcp;

import com.google.api.gax.rpc.ApiException;
import com.google.api.gax.rpc.StatusCode;
import dev.virtuoso.rollback.model.ExitCode;
import dev.virtuoso.rollback.model.RunbookException;
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
            // FAILED_PRECONDITION names an unusable input: Cloud Run says it of a revision that is not
            // Ready, Secret Manager of a disabled version. A write whose resource changed under it is
            // told apart by its adapter, which re-reads (a conflict is only a changed resource).
            case NOT_FOUND, INVALID_ARGUMENT, OUT_OF_RANGE, ALREADY_EXISTS, FAILED_PRECONDITION -> ExitCode.INVALID_INPUT;
            // AIP-154: a stale etag is ABORTED.
            case ABORTED -> ExitCode.CONFLICT;
            default -> ExitCode.API_FAILURE;
        };
        return new RunbookException(exit, message, e);
    }

    /** The gRPC status of a failed call, if it was one. */
    static StatusCode.Code code(Throwable t) {
        return unwrap(t) instanceof ApiException e ? e.getStatusCode().getCode() : null;
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
            case ABORTED -> "conflict on";
            case FAILED_PRECONDITION -> "precondition failed on";
            default -> code.name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ') + " on";
        };
    }

    /**
     * The first line, stripped: Cloud Run's condition messages run to several paragraphs (a logs
     * URL, a troubleshooting link), gRPC's errors repeat the status; the first line says what
     * happened, and errors are one line.
     */
    static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return (nl < 0 ? s : s.substring(0, nl)).strip()
                .replaceFirst("^io\\.grpc\\.StatusRuntimeException: [A-Z_]+: ", "");
    }
}
