package dev.virtuoso.rollback.cli;

import dev.virtuoso.rollback.config.Durations;
import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The incident record's options, taken only by the commands that change something and so keep a
 * record: a command that only reads would accept them and do nothing with them.
 */
public final class IncidentOptions {
    /** The shortest window the charts and logs can show: Cloud Monitoring's points are a minute apart. */
    static final Duration SHORTEST = Duration.ofMinutes(1);
    /** The longest: reading a week of error logs already takes long, at a time nobody wants to wait. */
    static final Duration LONGEST = Duration.ofDays(7);

    @Spec(Spec.Target.MIXEE)
    CommandSpec mixee;

    @Option(names = "--incident-dir", paramLabel = "DIR",
            description = "Where the incident record is kept: DIR/<journal id>/ (default: $ROLLBACK_INCIDENT_DIR, "
                    + "else incidents/ in the current directory). Checked before anything changes.")
    Path incidentDir;

    Duration since = Duration.ofHours(1);

    @Option(names = "--since", paramLabel = "D", defaultValue = "1h",
            description = "How far back the incident record's charts and error logs reach, 1m to 7d (default: 1h).")
    void since(String text) {
        Duration window;
        try {
            window = Durations.parse(text);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(mixee.commandLine(), "Invalid value for option '--since': " + e.getMessage());
        }
        if (window.compareTo(SHORTEST) < 0 || window.compareTo(LONGEST) > 0) {
            throw new ParameterException(mixee.commandLine(), "--since must be from 1m to 7d, not " + text.strip());
        }
        since = window;
    }

    /** A copy, for a session of its own (the in-process sandbox's). */
    IncidentOptions copy() {
        IncidentOptions o = new IncidentOptions();
        o.incidentDir = incidentDir;
        o.since = since;
        return o;
    }
}
