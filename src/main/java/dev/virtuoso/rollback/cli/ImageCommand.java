package dev.virtuoso.rollback.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "image", description = {
    "Method 2: deploy a previous container image as a new revision (not implemented yet)."})
final class ImageCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Source source;

    static final class Source {
        @Option(names = "--image", paramLabel = "REF", required = true, description = "Image to deploy.")
        String image;

        @Option(names = "--previous", required = true,
                description = "Newest image in the revision history that differs from the serving one.")
        boolean previous;
    }

    @Override
    public Integer call() {
        throw Pending.notYet(spec);
    }
}
