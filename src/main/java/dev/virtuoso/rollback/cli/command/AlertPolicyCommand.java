package dev.virtuoso.rollback.cli.command;

import dev.virtuoso.rollback.alertpolicy.AlertPolicyChange;
import dev.virtuoso.rollback.cli.IncidentOptions;
import dev.virtuoso.rollback.cli.Session;
import dev.virtuoso.rollback.cli.render.ActionView;
import dev.virtuoso.rollback.cli.render.AlertPolicyView;
import dev.virtuoso.rollback.config.Durations;
import dev.virtuoso.rollback.config.Runbook;
import dev.virtuoso.rollback.model.AlertPolicySpec;
import dev.virtuoso.rollback.model.RunbookException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "alert-policy", description = {
    "Print, or --apply, the Cloud Monitoring policy \"Auto Rollback on High Error Rate\".",
    "The ratio of 5xx to all requests of the service above --threshold (default: the decision matrix's first "
        + "row, 50%% in the written runbook) for triggers.sustain. --apply creates it, or updates it by display "
        + "name; a second --apply changes nothing. A policy only notifies: pair it with `rollback watch --auto`, "
        + "or with --pubsub-topic have it publish each incident to a topic whose push subscription runs `rollback "
        + "respond --serve` (Cloud Monitoring's service agent needs roles/pubsub.publisher on the topic: see the "
        + "README). "
        + "Its documentation gives the person paged the command to roll back, with the runbook's path relative to "
        + "the root of the git repository that holds it (as given when it is in none)."})
public final class AlertPolicyCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    /** It changes something, so it keeps an incident record: where, and how far back it looks. */
    @Mixin
    IncidentOptions incident;

    @Option(names = "--apply", description = "Create or update the policy (default: only print it).")
    boolean apply;

    @Option(names = "--threshold", paramLabel = "FRACTION", description = "5xx ratio that fires, 0..1.")
    Double threshold;

    @Option(names = "--channel", paramLabel = "NAME",
            description = "Notification channel, e.g. projects/P/notificationChannels/ID (repeatable).")
    List<String> channels = new ArrayList<>();

    @Option(names = "--pubsub-topic", paramLabel = "TOPIC", description = "With --apply, also notify this Pub/Sub "
            + "topic (projects/P/topics/T, or T in the runbook's project) through a notification channel of type "
            + "pubsub: the project's own for that topic, else one created (a second --apply finds it).")
    String pubsubTopic;

    @Override
    public Integer call() {
        Session s = Session.of(spec);
        Runbook book = s.runbook();
        double t = threshold != null ? threshold : book.decisionMatrix().get(0).minErrorRate();
        if (t <= 0 || t >= 1) {
            throw RunbookException.invalid((threshold != null ? "--threshold" : "the decision matrix's first "
                    + "minErrorRate (the default threshold)") + " must be a fraction between 0 and 1, not " + t
                    + (threshold != null ? "" : "; pass --threshold"));
        }
        Optional<String> topic = Optional.ofNullable(pubsubTopic).map(given -> AlertPolicySpec.topic(given,
                s.target().service().project()));
        AlertPolicySpec desired = AlertPolicySpec.forService(s.target().service(), t, book.triggers().sustain(), channels,
                s.runbookFile().map(AlertPolicyCommand::inRepository).orElse(null));
        if (!desired.duration().equals(book.triggers().sustain())) {
            String note = "note: triggers.sustain " + Durations.format(book.triggers().sustain()) + " is rounded up to "
                    + Durations.format(desired.duration()) + ": Cloud Monitoring takes alert durations in whole minutes";
            if (apply) {
                s.ui().info(note);
            } else {
                s.ctx.err().println(note); // printed, the policy is stdout alone: it is redirected to a file
            }
        }
        if (!apply) {
            topic.ifPresent(named -> s.ctx.err().println("note: --apply also notifies " + named + " (a notification channel "
                    + "of type pubsub)"));
            return AlertPolicyView.print(s.output(), desired);
        }
        return ActionView.print(s.output(), s.pipeline().execute(AlertPolicyChange.apply(
                s.target().service().project(), desired, s.alertPolicies(), topic), Optional.empty()));
    }

    /**
     * The runbook as the person paged finds it: relative to the root of the git work tree that holds
     * it (the policy lives on, this machine's paths mean nothing to them), else as given. A root is
     * a directory with {@code .git}, a directory or, in a linked work tree, a file.
     */
    static String inRepository(Path runbook) {
        Path file = runbook.toAbsolutePath().normalize();
        for (Path dir = file.getParent(); dir != null; dir = dir.getParent()) {
            if (Files.exists(dir.resolve(".git"))) {
                return dir.relativize(file).toString();
            }
        }
        return runbook.toString();
    }
}
