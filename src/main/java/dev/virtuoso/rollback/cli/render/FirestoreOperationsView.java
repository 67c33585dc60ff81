package dev.virtuoso.rollback.cli.render;

import dev.virtuoso.rollback.model.FirestoreOperation;
import java.io.PrintWriter;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

/** `restore firestore --list`: a database's recent import and export operations, newest first. */
public final class FirestoreOperationsView {
    private FirestoreOperationsView() {
    }

    /** What --list -o json prints. */
    public record Listing(String project, String database, List<FirestoreOperation> operations) {
    }

    public static int print(Output o, Listing listing) {
        if (o.json()) {
            return o.document(true, listing, 0);
        }
        PrintWriter out = o.out();
        out.println("Firestore import/export operations of " + listing.project() + "/" + listing.database()
                + ", newest first:");
        if (listing.operations().isEmpty()) {
            out.println("  none listed (the API keeps operations for a limited time)");
            out.flush();
            return 0;
        }
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"ID", "TYPE", "STATE", "START", "END", "PROGRESS", "PREFIX"});
        for (FirestoreOperation op : listing.operations()) {
            rows.add(new String[] {shortId(op.id()), op.type().name(), op.state(), time(op.start()), time(op.end()),
                    op.progress(), op.prefix() + (op.collections().isEmpty() ? "" : " (" + String.join(",",
                            op.collections()) + ")")});
        }
        Render.table(rows, "  ").forEach(out::println);
        listing.operations().stream().filter(op -> op.failure() != null).forEach(op -> out.println("  "
                + shortId(op.id()) + ": " + op.failure()));
        out.flush();
        return 0;
    }

    private static String shortId(String id) {
        return id.length() > 12 ? id.substring(0, 12) : id;
    }

    private static String time(Instant t) {
        return t == null ? "-" : t.truncatedTo(ChronoUnit.SECONDS).toString();
    }
}
