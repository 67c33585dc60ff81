package dev.virtuoso.rollback.cli;

import picocli.CommandLine.IVersionProvider;

public final class VersionProvider implements IVersionProvider {
    @Override
    public String[] getVersion() {
        String v = RootCommand.class.getPackage().getImplementationVersion();
        if (v == null) {
            // The container image runs the classes from a directory, not from the jar, so there is no manifest to
            // read the version from: its entrypoint passes it as this property instead.
            v = System.getProperty("rollback.version");
        }
        return new String[] {"rollback " + (v == null ? "(development build)" : v)};
    }
}
