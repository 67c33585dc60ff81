package dev.virtuoso.rollback.model;

import dev.virtuoso.rollback.port.ServiceControl;
import java.util.List;

/** `rollback status`: the service, its traffic and its revisions in one read. */
public record Status(ServiceState service, List<Revision> revisions) {
    public static Status read(ServiceControl control, ServiceRef ref) {
        return new Status(control.service(ref), control.revisions(ref));
    }
}
