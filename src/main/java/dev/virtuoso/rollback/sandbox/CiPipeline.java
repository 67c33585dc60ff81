package dev.virtuoso.rollback.sandbox;

import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * A CI pipeline on a bare git repository: whenever the branch's head moves, it deploys the
 * service as {@code gcloud run deploy --image IMAGE:<short sha>} does (the template's image
 * changes, the traffic is sent back as it is) through the Cloud Run emulator's update path. How
 * the image behaves is read from the repository at that commit, in {@value #PROPERTIES}:
 * {@code healthy=false} (it starts, then answers 503/500) or {@code starts=false} (it never listens
 * on its port); no file or no key means a healthy image. So reverting the commit that broke the
 * service deploys a healthy revision again.
 */
final class CiPipeline implements AutoCloseable {
    static final String PROPERTIES = "service.properties";
    /** Cloud Build's SHORT_SHA: the first seven characters of the commit's SHA. */
    private static final int SHORT_SHA = 7;

    private final Path repo;
    private final String branch;
    private final CloudRunEmulator cloudRun;
    private final String service;
    private final String imageRepository;
    private final Consumer<String> events;
    private final ScheduledExecutorService poller = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "sandbox-ci");
        t.setDaemon(true);
        return t;
    });
    /** The head deployed last, or found when watching began; touched by the poller thread only after that. */
    private String deployed;
    private String lastProblem;

    /**
     * Starts watching {@code repo}'s {@code branch}; its head now counts as deployed already.
     *
     * @throws IllegalArgumentException when {@code repo} is not a bare git repository or git cannot run
     */
    CiPipeline(Path repo, String branch, CloudRunEmulator cloudRun, String service, String imageRepository,
               Duration pollInterval, Consumer<String> events) {
        this.repo = repo.toAbsolutePath();
        this.branch = branch;
        this.cloudRun = cloudRun;
        this.service = service;
        this.imageRepository = imageRepository;
        this.events = events;
        try {
            Git.Result bare = git("rev-parse", "--is-bare-repository");
            if (bare.exitCode() != 0 || !bare.output().strip().equals("true")) {
                throw new IllegalArgumentException(this.repo + " is not a bare git repository (pushes need one: "
                        + "git init --bare " + this.repo + ")");
            }
            deployed = head().orElse(null);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot watch " + this.repo + ": " + e.getMessage(), e);
        }
        poller.scheduleWithFixedDelay(this::poll, pollInterval.toMillis(), pollInterval.toMillis(), TimeUnit.MILLISECONDS);
    }

    private Git.Result git(String... args) throws IOException {
        return Git.exec(repo, Map.of(), Stream.concat(Stream.of("--git-dir=" + repo), Stream.of(args)).toList());
    }

    private Optional<String> head() throws IOException {
        Git.Result r = git("rev-parse", "--verify", "--quiet", "refs/heads/" + branch + "^{commit}");
        if (r.exitCode() == 1) {
            return Optional.empty(); // no such branch (yet)
        }
        if (r.exitCode() != 0) {
            throw new IOException("git rev-parse " + branch + " failed: " + r.output().strip());
        }
        return Optional.of(r.output().strip());
    }

    private void poll() {
        try {
            Optional<String> head = head();
            if (head.isPresent() && !head.get().equals(deployed)) {
                deployed = head.get();
                deploy(head.get());
            }
            lastProblem = null;
        } catch (IOException | RuntimeException e) {
            // Thrown out of here, it would stop the schedule for good: say it once, keep watching.
            String problem = "CI: " + e.getMessage();
            if (!problem.equals(lastProblem)) {
                events.accept(problem);
            }
            lastProblem = problem;
        }
    }

    private void deploy(String sha) throws IOException {
        String shortSha = sha.substring(0, SHORT_SHA);
        String image = imageRepository + ":" + shortSha;
        Properties behaviour = behaviourAt(sha);
        if (no(behaviour, "healthy")) {
            cloudRun.markBroken(image);
        }
        if (no(behaviour, "starts")) {
            cloudRun.markFailsToStart(image);
        }
        try {
            Optional<String> revision = cloudRun.deploy(service, image);
            events.accept("CI: " + branch + " is at " + shortSha + ": deploying " + image
                    + revision.map(r -> " as " + r).orElse(" (the template already had it: no new revision)"));
        } catch (StatusRuntimeException e) {
            events.accept("CI: " + branch + " is at " + shortSha + ": deploying " + image + " failed: "
                    + e.getStatus().getCode() + ": " + e.getStatus().getDescription());
        }
    }

    private static boolean no(Properties p, String key) {
        return "false".equalsIgnoreCase(p.getProperty(key, "true").strip());
    }

    private Properties behaviourAt(String sha) throws IOException {
        Properties p = new Properties();
        if (!git("ls-tree", "--name-only", sha, "--", PROPERTIES).output().isBlank()) {
            Git.Result file = git("show", sha + ":" + PROPERTIES);
            if (file.exitCode() != 0) {
                throw new IOException("cannot read " + PROPERTIES + " at " + sha + ": " + file.output().strip());
            }
            p.load(new StringReader(file.output()));
        }
        return p;
    }

    @Override
    public void close() {
        poller.shutdownNow();
        try {
            poller.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** One commit of a seeded history: its tag, message, whether the image built from it is healthy, when. */
    record Commit(String tag, String message, boolean healthy, Instant when) {
    }

    /** Creates {@code repo} as a bare repository whose {@code branch} holds {@code history}, one tagged commit each. */
    static void seed(Path repo, String branch, List<Commit> history) {
        Path target = repo.toAbsolutePath();
        Path work = null;
        try {
            work = Files.createTempDirectory("sandbox-ci-seed-");
            Git.run(work, Map.of(), "init", "--quiet", "--initial-branch=" + branch);
            for (Commit c : history) {
                Files.writeString(work.resolve(PROPERTIES), "# How the image built from this commit behaves once "
                        + "deployed (read by the sandbox's CI):\n#   healthy=false  it starts, then answers 503/500\n"
                        + "#   starts=false   it never listens on its port: its revision never becomes Ready\n"
                        + "healthy=" + c.healthy() + "\n");
                Files.writeString(work.resolve("VERSION"), c.tag().replaceFirst("^v", "") + "\n");
                Map<String, String> who = identity(c.when());
                Git.run(work, who, "add", "--all");
                Git.run(work, who, "commit", "--quiet", "--message", c.message());
                Git.run(work, who, "tag", c.tag());
            }
            if (target.getParent() != null) {
                Files.createDirectories(target.getParent());
            }
            Git.run(work, Map.of(), "init", "--quiet", "--bare", "--initial-branch=" + branch, target.toString());
            Git.run(work, Map.of(), "push", "--quiet", target.toString(), "refs/heads/" + branch,
                    "refs/tags/*:refs/tags/*");
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot create the git repository " + target + ": " + e.getMessage(), e);
        } finally {
            delete(work);
        }
    }

    private static Map<String, String> identity(Instant when) {
        String date = "@" + when.getEpochSecond() + " +0000";
        return Map.of("GIT_AUTHOR_NAME", "Virtuoso Developer", "GIT_AUTHOR_EMAIL", "dev@virtuoso.example",
                "GIT_AUTHOR_DATE", date, "GIT_COMMITTER_NAME", "Virtuoso Developer",
                "GIT_COMMITTER_EMAIL", "dev@virtuoso.example", "GIT_COMMITTER_DATE", date);
    }

    private static void delete(Path dir) {
        if (dir == null) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException e) {
            // A leftover temporary directory is harmless.
        }
    }
}
