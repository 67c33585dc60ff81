package dev.virtuoso.rollback.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Every kind of result, as text (plain and coloured) and as JSON, byte for byte: what a person
 * reads at 3 a.m. and what a pipeline parses changes only on purpose. What differs from run to run
 * is replaced by placeholders of the same width (the sandbox's port, journal ids, times, the temp
 * directory), so the columns' alignment is compared too. Progress lines ("... waiting") are left
 * out: whether one is printed depends on how fast the sandbox answers.
 */
class ExactOutputTest {
    private final CliHarness cli = new CliHarness();

    @AfterEach
    void close() throws Exception {
        cli.close();
    }

    /** {@code out} with the parts that differ between runs replaced by placeholders of the same width. */
    private String stable(String out) throws IOException {
        String s = out.replaceAll("(?m)^\\.\\.\\. .*\n", "").replace(cli.home.toString(), "/tmp/HOME")
                .replaceAll("127\\.0\\.0\\.1:\\d+", "127.0.0.1:PORT");
        if (Files.exists(cli.home.resolve("journal.jsonl"))) {
            List<String> ids = cli.journal().stream().map(r -> r.get("id").asText()).toList();
            for (int i = 0; i < ids.size(); i++) {
                String id = ids.get(i);
                String shortId = id.substring(id.lastIndexOf('-') + 1);
                s = s.replace(id, "YYYYMMDDThhmmssZ-id" + String.format("%02d", i + 1))
                        .replaceAll("\\b" + shortId + "\\b", "id" + String.format("%02d", i + 1));
            }
        }
        // An in-process sandbox drill keeps no journal, but its incident record has a folder all the same.
        return s.replaceAll("incidents/\\d{8}T\\d{6}Z-[0-9a-f]{4}/", "incidents/YYYYMMDDThhmmssZ-xxxx/")
                .replaceAll("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?Z", "YYYY-MM-DDThh:mm:ssZ")
                .replaceAll("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}_\\d+", "YYYY-MM-DDThh:mm:ss_NNNNN")
                .replaceAll("\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2} Z", "YYYY-MM-DD hh:mm:ss Z")
                .replaceAll("\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}", "MM-DD hh:mm:ss")
                .replaceAll("drill-\\d{8}-\\d{6}", "drill-YYYYMMDD-hhmmss")
                .replaceAll("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "UUID")
                .replaceAll("\\b[0-9a-f]{8}-[0-9a-f]{3}\\b", "xxxxxxxx-xxx");
    }

    private void assertOut(CliHarness.Result r, int code, String expected) throws IOException {
        assertThat(r.code()).as(r.out() + r.err()).isEqualTo(code);
        assertThat(stable(r.out())).isEqualTo(expected);
    }

    @Test
    void statusPrintsExactlyAsTextColouredAndJson() throws IOException {
        cli.manualTime();
        assertOut(cli.rb("status"), 0, """
                virtuoso-api  virtuoso-sandbox/us-central1
                  url: http://127.0.0.1:PORT
                  traffic:
                    LATEST (= virtuoso-api-00003-ghi)  100%
                    virtuoso-api-00002-def             0%    stable-2024-07-24  http://127.0.0.1:PORT/t/stable-2024-07-24
                  revisions (newest first):
                    NAME                    READY  SERVING  CREATED               IMAGE
                    virtuoso-api-00004-jkl  no     0%       YYYY-MM-DDThh:mm:ssZ  gcr.io/virtuoso-sandbox/virtuoso-api:v1.2.1
                    virtuoso-api-00003-ghi  yes    100%     YYYY-MM-DDThh:mm:ssZ  gcr.io/virtuoso-sandbox/virtuoso-api:v1.2.0
                    virtuoso-api-00002-def  yes    0%       YYYY-MM-DDThh:mm:ssZ  gcr.io/virtuoso-sandbox/virtuoso-api:v1.1.0
                    virtuoso-api-00001-abc  yes    0%       YYYY-MM-DDThh:mm:ssZ  gcr.io/virtuoso-sandbox/virtuoso-api:v1.0.0
                """);
        assertOut(cli.rb("-o", "json", "status"), 0, """
                {
                  "ok" : true,
                  "service" : {
                    "ref" : {
                      "project" : "virtuoso-sandbox",
                      "region" : "us-central1",
                      "name" : "virtuoso-api"
                    },
                    "uri" : "http://127.0.0.1:PORT",
                    "generation" : 4,
                    "observedGeneration" : 4,
                    "etag" : "\\"9e3779b97f4a7c15\\"",
                    "reconciling" : false,
                    "failure" : null,
                    "latestReadyRevision" : "virtuoso-api-00003-ghi",
                    "latestCreatedRevision" : "virtuoso-api-00004-jkl",
                    "traffic" : [ {
                      "latest" : true,
                      "revision" : null,
                      "percent" : 100,
                      "tag" : null
                    }, {
                      "latest" : false,
                      "revision" : "virtuoso-api-00002-def",
                      "percent" : 0,
                      "tag" : "stable-2024-07-24"
                    } ],
                    "trafficStatuses" : [ {
                      "latest" : true,
                      "revision" : null,
                      "percent" : 100,
                      "tag" : null
                    }, {
                      "latest" : false,
                      "revision" : "virtuoso-api-00002-def",
                      "percent" : 0,
                      "tag" : "stable-2024-07-24"
                    } ],
                    "tagUrls" : {
                      "stable-2024-07-24" : "http://127.0.0.1:PORT/t/stable-2024-07-24"
                    },
                    "image" : "gcr.io/virtuoso-sandbox/virtuoso-api:v1.2.1",
                    "templateConfig" : "66918d85a0ea0dcd",
                    "lastModifier" : "ci-deployer@virtuoso-sandbox.iam.gserviceaccount.com",
                    "updated" : "YYYY-MM-DDThh:mm:ssZ"
                  },
                  "revisions" : [ {
                    "name" : "virtuoso-api-00004-jkl",
                    "service" : "virtuoso-api",
                    "ready" : false,
                    "readyMessage" : "Container failed to start and listen on PORT=8080",
                    "image" : "gcr.io/virtuoso-sandbox/virtuoso-api:v1.2.1",
                    "created" : "YYYY-MM-DDThh:mm:ssZ",
                    "secrets" : [ {
                      "secret" : "virtuoso-api-key",
                      "version" : "2",
                      "where" : "env API_KEY"
                    } ],
                    "config" : "66918d85a0ea0dcd"
                  }, {
                    "name" : "virtuoso-api-00003-ghi",
                    "service" : "virtuoso-api",
                    "ready" : true,
                    "readyMessage" : "",
                    "image" : "gcr.io/virtuoso-sandbox/virtuoso-api:v1.2.0",
                    "created" : "YYYY-MM-DDThh:mm:ssZ",
                    "secrets" : [ {
                      "secret" : "virtuoso-api-key",
                      "version" : "2",
                      "where" : "env API_KEY"
                    } ],
                    "config" : "66918d85a0ea0dcd"
                  }, {
                    "name" : "virtuoso-api-00002-def",
                    "service" : "virtuoso-api",
                    "ready" : true,
                    "readyMessage" : "",
                    "image" : "gcr.io/virtuoso-sandbox/virtuoso-api:v1.1.0",
                    "created" : "YYYY-MM-DDThh:mm:ssZ",
                    "secrets" : [ {
                      "secret" : "virtuoso-api-key",
                      "version" : "2",
                      "where" : "env API_KEY"
                    } ],
                    "config" : "66918d85a0ea0dcd"
                  }, {
                    "name" : "virtuoso-api-00001-abc",
                    "service" : "virtuoso-api",
                    "ready" : true,
                    "readyMessage" : "",
                    "image" : "gcr.io/virtuoso-sandbox/virtuoso-api:v1.0.0",
                    "created" : "YYYY-MM-DDThh:mm:ssZ",
                    "secrets" : [ {
                      "secret" : "virtuoso-api-key",
                      "version" : "1",
                      "where" : "env API_KEY"
                    } ],
                    "config" : "efe51dea35643154"
                  } ]
                }
                """);
        cli.interactive = true;
        assertOut(cli.rb("status"), 0, """
                \033[1mvirtuoso-api\033[0m  virtuoso-sandbox/us-central1
                  url: http://127.0.0.1:PORT
                  traffic:
                    LATEST (= virtuoso-api-00003-ghi)  100%
                    virtuoso-api-00002-def             0%    stable-2024-07-24  http://127.0.0.1:PORT/t/stable-2024-07-24
                  revisions (newest first):
                    NAME                    READY  SERVING  CREATED               IMAGE
                    virtuoso-api-00004-jkl  \033[31mno\033[0m     0%       YYYY-MM-DDThh:mm:ssZ  gcr.io/virtuoso-sandbox/virtuoso-api:v1.2.1
                    virtuoso-api-00003-ghi  yes    100%     YYYY-MM-DDThh:mm:ssZ  gcr.io/virtuoso-sandbox/virtuoso-api:v1.2.0
                    virtuoso-api-00002-def  yes    0%       YYYY-MM-DDThh:mm:ssZ  gcr.io/virtuoso-sandbox/virtuoso-api:v1.1.0
                    virtuoso-api-00001-abc  yes    0%       YYYY-MM-DDThh:mm:ssZ  gcr.io/virtuoso-sandbox/virtuoso-api:v1.0.0
                """);
    }

    @Test
    void aRollbackItsDryRunAndAChangeMadeAlreadyPrintExactly() throws IOException {
        cli.manualTime();
        assertOut(cli.rb("--dry-run", "quick", "--previous"), 0, """
                Plan for virtuoso-sandbox/us-central1/virtuoso-api: route 100% of virtuoso-api traffic to virtuoso-api-00002-def
                  traffic now:
                    LATEST (= virtuoso-api-00003-ghi)  100%
                    virtuoso-api-00002-def             0%    tag stable-2024-07-24
                  traffic after:
                    virtuoso-api-00002-def  100%  tag stable-2024-07-24
                  note: traffic will be pinned to virtuoso-api-00002-def: new deployments get 0% until `rollback quick --to-latest`; deploy a fix first: the latest Ready revision is still virtuoso-api-00003-ghi, the one rolled back from
                  note: tags kept: stable-2024-07-24
                dry run: route 100% of virtuoso-api traffic to virtuoso-api-00002-def (nothing changed)
                """);
        assertOut(cli.rb("quick", "--previous", "--yes"), 0, """
                Plan for virtuoso-sandbox/us-central1/virtuoso-api: route 100% of virtuoso-api traffic to virtuoso-api-00002-def
                  traffic now:
                    LATEST (= virtuoso-api-00003-ghi)  100%
                    virtuoso-api-00002-def             0%    tag stable-2024-07-24
                  traffic after:
                    virtuoso-api-00002-def  100%  tag stable-2024-07-24
                  note: traffic will be pinned to virtuoso-api-00002-def: new deployments get 0% until `rollback quick --to-latest`; deploy a fix first: the latest Ready revision is still virtuoso-api-00003-ghi, the one rolled back from
                  note: tags kept: stable-2024-07-24
                ✓ virtuoso-api serves the new traffic (0 ms)
                ✓ route 100% of virtuoso-api traffic to virtuoso-api-00002-def (0ms)
                  now:
                    virtuoso-api-00002-def  100%  tag stable-2024-07-24
                  checks: 5/5 passed in 0ms
                    ✓  health      /health                200  0 ms
                    ✓  health      /health?detailed=true  200  0 ms
                    ✓  health      /health/ready          200  0 ms
                    ✓  functional  list commands          200  0 ms
                    ✓  functional  execute command        200  0 ms
                  note: traffic will be pinned to virtuoso-api-00002-def: new deployments get 0% until `rollback quick --to-latest`; deploy a fix first: the latest Ready revision is still virtuoso-api-00003-ghi, the one rolled back from
                  note: tags kept: stable-2024-07-24
                  journal: YYYYMMDDThhmmssZ-id01 (undo with `rollback undo YYYYMMDDThhmmssZ-id01`)
                """);
        assertOut(cli.rb("-o", "json", "tag", "--name", "stable-2026-11-28", "--yes"), 0, """
                {
                  "ok" : true,
                  "command" : "tag --name stable-2026-11-28",
                  "target" : "projects/virtuoso-sandbox/locations/us-central1/services/virtuoso-api",
                  "outcome" : "applied",
                  "summary" : "tag virtuoso-api-00002-def as stable-2026-11-28 (traffic split unchanged)",
                  "before" : [ {
                    "latest" : false,
                    "revision" : "virtuoso-api-00002-def",
                    "percent" : 100,
                    "tag" : "stable-2024-07-24"
                  } ],
                  "after" : [ {
                    "latest" : false,
                    "revision" : "virtuoso-api-00002-def",
                    "percent" : 100,
                    "tag" : "stable-2024-07-24"
                  }, {
                    "latest" : false,
                    "revision" : "virtuoso-api-00002-def",
                    "percent" : 0,
                    "tag" : "stable-2026-11-28"
                  } ],
                  "journalId" : "YYYYMMDDThhmmssZ-id04",
                  "durationMs" : 0,
                  "notes" : [ ],
                  "incidentRecord" : "/tmp/HOME/incidents/YYYYMMDDThhmmssZ-id04/"
                }
                """);
        assertOut(cli.rb("tag", "--name", "stable-2026-11-28", "--yes"), 0, """
                ✓ virtuoso-api-00002-def is already tagged stable-2026-11-28; nothing to do (0ms)
                """);
        cli.interactive = true;
        assertOut(cli.rb("quick", "--to-revision", "virtuoso-api-00001-abc", "--yes"), 0, """
                \033[1mPlan\033[0m for virtuoso-sandbox/us-central1/virtuoso-api: route 100% of virtuoso-api traffic to virtuoso-api-00001-abc
                  traffic now:
                    virtuoso-api-00002-def  100%  tag stable-2024-07-24
                    virtuoso-api-00002-def  0%    tag stable-2026-11-28
                  traffic after:
                    virtuoso-api-00001-abc  100%
                    virtuoso-api-00002-def  0%    tag stable-2024-07-24
                    virtuoso-api-00002-def  0%    tag stable-2026-11-28
                  \033[33mnote:\033[0m traffic will be pinned to virtuoso-api-00001-abc: new deployments get 0% until `rollback quick --to-latest`
                  \033[33mnote:\033[0m tags kept: stable-2024-07-24, stable-2026-11-28
                \033[32m✓\033[0m route 100% of virtuoso-api traffic to virtuoso-api-00001-abc (0ms)
                  now:
                    virtuoso-api-00001-abc  100%
                    virtuoso-api-00002-def  0%    tag stable-2024-07-24
                    virtuoso-api-00002-def  0%    tag stable-2026-11-28
                  checks: 5/5 passed in 0ms
                    \033[32m✓\033[0m  health      /health                200  0 ms
                    \033[32m✓\033[0m  health      /health?detailed=true  200  0 ms
                    \033[32m✓\033[0m  health      /health/ready          200  0 ms
                    \033[32m✓\033[0m  functional  list commands          200  0 ms
                    \033[32m✓\033[0m  functional  execute command        200  0 ms
                  \033[33mnote:\033[0m traffic will be pinned to virtuoso-api-00001-abc: new deployments get 0% until `rollback quick --to-latest`
                  \033[33mnote:\033[0m tags kept: stable-2024-07-24, stable-2026-11-28
                  journal: YYYYMMDDThhmmssZ-id06 (undo with `rollback undo YYYYMMDDThhmmssZ-id06`)
                """);
    }

    @Test
    void aChangeWhoseChecksFailedPrintsExactlyAsTextAndJson() throws IOException {
        cli.manualTime();
        Path book = cli.home.resolve("no-retries.yaml");
        Files.writeString(book, Files.readString(Path.of("runbooks/sandbox.yaml")).replace("retries: 1", "retries: 0"));
        assertOut(cli.run("-r", book.toString(), "quick", "--previous", "--yes", "--no-verify"), 0, """
                Plan for virtuoso-sandbox/us-central1/virtuoso-api: route 100% of virtuoso-api traffic to virtuoso-api-00002-def
                  traffic now:
                    LATEST (= virtuoso-api-00003-ghi)  100%
                    virtuoso-api-00002-def             0%    tag stable-2024-07-24
                  traffic after:
                    virtuoso-api-00002-def  100%  tag stable-2024-07-24
                  note: traffic will be pinned to virtuoso-api-00002-def: new deployments get 0% until `rollback quick --to-latest`; deploy a fix first: the latest Ready revision is still virtuoso-api-00003-ghi, the one rolled back from
                  note: tags kept: stable-2024-07-24
                ✓ virtuoso-api serves the new traffic (0 ms)
                ✓ route 100% of virtuoso-api traffic to virtuoso-api-00002-def (0ms)
                  now:
                    virtuoso-api-00002-def  100%  tag stable-2024-07-24
                  note: traffic will be pinned to virtuoso-api-00002-def: new deployments get 0% until `rollback quick --to-latest`; deploy a fix first: the latest Ready revision is still virtuoso-api-00003-ghi, the one rolled back from
                  note: tags kept: stable-2024-07-24
                  journal: YYYYMMDDThhmmssZ-id01 (undo with `rollback undo YYYYMMDDThhmmssZ-id01`)
                """);
        assertOut(cli.run("-r", book.toString(), "undo", "--yes"), 3, """
                Plan for virtuoso-sandbox/us-central1/virtuoso-api: restore the traffic of virtuoso-api recorded before YYYYMMDDThhmmssZ-id01 (quick --previous, virtuoso-api-00003-ghi → virtuoso-api-00002-def, YYYY-MM-DDThh:mm:ssZ)
                  traffic now:
                    virtuoso-api-00002-def  100%  tag stable-2024-07-24
                  traffic after:
                    LATEST (= virtuoso-api-00003-ghi)  100%
                    virtuoso-api-00002-def             0%    tag stable-2024-07-24
                  note: undo is itself journaled: `rollback undo` again puts back what this replaces
                ✓ virtuoso-api serves the new traffic (0 ms)
                ✗ restore the traffic of virtuoso-api recorded before YYYYMMDDThhmmssZ-id01 (quick --previous, virtuoso-api-00003-ghi → virtuoso-api-00002-def, YYYY-MM-DDThh:mm:ssZ) (0ms)
                  now:
                    LATEST (= latest Ready)  100%
                    virtuoso-api-00002-def   0%    tag stable-2024-07-24
                  checks: 0/5 passed, 5 failed in 0ms
                    ✗  health      /health                503  0 ms  HTTP 503 (expected 2xx): {"status": "error", "revision": "virtuoso-api-00003-ghi"}
                    ✗  health      /health?detailed=true  503  0 ms  HTTP 503 (expected 2xx): {"status": "error", "revision": "virtuoso-api-00003-ghi"}
                    ✗  health      /health/ready          503  0 ms  HTTP 503 (expected 2xx): {"status": "error", "revision": "virtuoso-api-00003-ghi"}
                    ✗  functional  list commands          500  0 ms  HTTP 500 (expected 2xx): {"status": "error", "revision": "virtuoso-api-00003-ghi"}
                    ✗  functional  execute command        500  0 ms  HTTP 500 (expected 200): {"status": "error", "revision": "virtuoso-api-00003-ghi"}
                  note: undo is itself journaled: `rollback undo` again puts back what this replaces
                  journal: YYYYMMDDThhmmssZ-id03 (undo with `rollback undo YYYYMMDDThhmmssZ-id03`)
                """);
        assertOut(cli.run("-r", book.toString(), "-o", "json", "undo", "--yes"), 0, """
                {
                  "ok" : true,
                  "command" : "undo YYYYMMDDThhmmssZ-id03",
                  "target" : "projects/virtuoso-sandbox/locations/us-central1/services/virtuoso-api",
                  "outcome" : "applied",
                  "summary" : "restore the traffic of virtuoso-api recorded before YYYYMMDDThhmmssZ-id03 (undo YYYYMMDDThhmmssZ-id01, virtuoso-api-00002-def → virtuoso-api-00003-ghi, YYYY-MM-DDThh:mm:ssZ)",
                  "before" : [ {
                    "latest" : true,
                    "revision" : null,
                    "percent" : 100,
                    "tag" : null
                  }, {
                    "latest" : false,
                    "revision" : "virtuoso-api-00002-def",
                    "percent" : 0,
                    "tag" : "stable-2024-07-24"
                  } ],
                  "after" : [ {
                    "latest" : false,
                    "revision" : "virtuoso-api-00002-def",
                    "percent" : 100,
                    "tag" : "stable-2024-07-24"
                  } ],
                  "journalId" : "YYYYMMDDThhmmssZ-id06",
                  "durationMs" : 0,
                  "verification" : {
                    "url" : "http://127.0.0.1:PORT",
                    "durationMs" : 0,
                    "checks" : [ {
                      "name" : "/health",
                      "kind" : "health",
                      "verdict" : "pass",
                      "status" : 200,
                      "latencyMs" : 0,
                      "detail" : "HTTP 200"
                    }, {
                      "name" : "/health?detailed=true",
                      "kind" : "health",
                      "verdict" : "pass",
                      "status" : 200,
                      "latencyMs" : 0,
                      "detail" : "HTTP 200"
                    }, {
                      "name" : "/health/ready",
                      "kind" : "health",
                      "verdict" : "pass",
                      "status" : 200,
                      "latencyMs" : 0,
                      "detail" : "HTTP 200"
                    }, {
                      "name" : "list commands",
                      "kind" : "functional",
                      "verdict" : "pass",
                      "status" : 200,
                      "latencyMs" : 0,
                      "detail" : "HTTP 200"
                    }, {
                      "name" : "execute command",
                      "kind" : "functional",
                      "verdict" : "pass",
                      "status" : 200,
                      "latencyMs" : 0,
                      "detail" : "HTTP 200"
                    } ]
                  },
                  "notes" : [ "this undoes an undo (YYYYMMDDThhmmssZ-id03): it puts back what `undo YYYYMMDDThhmmssZ-id01` replaced; `rollback undo` after it toggles between the two again" ],
                  "incidentRecord" : "/tmp/HOME/incidents/YYYYMMDDThhmmssZ-id06/"
                }
                """);
        cli.interactive = true;
        assertOut(cli.run("-r", book.toString(), "--no-color", "undo", "--yes"), 3, """
                Plan for virtuoso-sandbox/us-central1/virtuoso-api: restore the traffic of virtuoso-api recorded before YYYYMMDDThhmmssZ-id06 (undo YYYYMMDDThhmmssZ-id03, virtuoso-api-00003-ghi → virtuoso-api-00002-def, YYYY-MM-DDThh:mm:ssZ)
                  traffic now:
                    virtuoso-api-00002-def  100%  tag stable-2024-07-24
                  traffic after:
                    LATEST (= virtuoso-api-00003-ghi)  100%
                    virtuoso-api-00002-def             0%    tag stable-2024-07-24
                  note: this undoes an undo (YYYYMMDDThhmmssZ-id06): it puts back what `undo YYYYMMDDThhmmssZ-id03` replaced; `rollback undo` after it toggles between the two again
                ✗ restore the traffic of virtuoso-api recorded before YYYYMMDDThhmmssZ-id06 (undo YYYYMMDDThhmmssZ-id03, virtuoso-api-00003-ghi → virtuoso-api-00002-def, YYYY-MM-DDThh:mm:ssZ) (0ms)
                  now:
                    LATEST (= latest Ready)  100%
                    virtuoso-api-00002-def   0%    tag stable-2024-07-24
                  checks: 0/5 passed, 5 failed in 0ms
                    ✗  health      /health                503  0 ms  HTTP 503 (expected 2xx): {"status": "error", "revision": "virtuoso-api-00003-ghi"}
                    ✗  health      /health?detailed=true  503  0 ms  HTTP 503 (expected 2xx): {"status": "error", "revision": "virtuoso-api-00003-ghi"}
                    ✗  health      /health/ready          503  0 ms  HTTP 503 (expected 2xx): {"status": "error", "revision": "virtuoso-api-00003-ghi"}
                    ✗  functional  list commands          500  0 ms  HTTP 500 (expected 2xx): {"status": "error", "revision": "virtuoso-api-00003-ghi"}
                    ✗  functional  execute command        500  0 ms  HTTP 500 (expected 200): {"status": "error", "revision": "virtuoso-api-00003-ghi"}
                  note: this undoes an undo (YYYYMMDDThhmmssZ-id06): it puts back what `undo YYYYMMDDThhmmssZ-id03` replaced; `rollback undo` after it toggles between the two again
                  journal: YYYYMMDDThhmmssZ-id09 (undo with `rollback undo YYYYMMDDThhmmssZ-id09`)
                """);
    }

    @Test
    void verifyPrintsExactlyAsTextVerboseColouredAndJson() throws IOException {
        cli.manualTime();
        assertOut(cli.rb("verify", "--metrics"), 3, """
                ✗ verification failed for virtuoso-api
                  checks: 0/2 passed, 2 failed in 0ms
                    ✗  metric  error rate of virtuoso-api-00003-ghi   -    60.0% 5xx (1800 of 3000 requests over 5m; trigger > 20.0%)
                    ✗  metric  p95 latency of virtuoso-api-00003-ghi  -    P95 8.2s over 5m (trigger > 5s)
                  note: Cloud Monitoring data lags up to ~3 min: the newest minutes are not counted yet
                """);
        assertThat(cli.rb("quick", "--previous", "--yes", "--no-verify").code()).isZero();
        assertOut(cli.rb("verify"), 0, """
                ? verification inconclusive for virtuoso-api at http://127.0.0.1:PORT: too little traffic to judge error rate of virtuoso-api-00002-def, p95 latency of virtuoso-api-00002-def
                  checks: 5/7 passed, 2 inconclusive in 0ms
                    ✓  health      /health                                200  0 ms
                    ✓  health      /health?detailed=true                  200  0 ms
                    ✓  health      /health/ready                          200  0 ms
                    ✓  functional  list commands                          200  0 ms
                    ✓  functional  execute command                        200  0 ms
                    ?  metric      error rate of virtuoso-api-00002-def   -          no requests over 5m: inconclusive
                    ?  metric      p95 latency of virtuoso-api-00002-def  -          no latency data over 5m: inconclusive
                  note: Cloud Monitoring data lags up to ~3 min: the newest minutes are not counted yet
                """);
        assertOut(cli.rb("-v", "verify", "--health"), 0, """
                ✓ verification passed for virtuoso-api at http://127.0.0.1:PORT
                  checks: 3/3 passed in 0ms
                    ✓  health  /health                200  0 ms  HTTP 200
                    ✓  health  /health?detailed=true  200  0 ms  HTTP 200
                    ✓  health  /health/ready          200  0 ms  HTTP 200
                """);
        assertOut(cli.rb("-o", "json", "verify", "--metrics", "--require-metrics"), 3, """
                {
                  "ok" : false,
                  "service" : "virtuoso-api",
                  "url" : "",
                  "durationMs" : 0,
                  "checks" : [ {
                    "name" : "error rate of virtuoso-api-00002-def",
                    "kind" : "metric",
                    "verdict" : "inconclusive",
                    "latencyMs" : 0,
                    "detail" : "no requests over 5m: inconclusive"
                  }, {
                    "name" : "p95 latency of virtuoso-api-00002-def",
                    "kind" : "metric",
                    "verdict" : "inconclusive",
                    "latencyMs" : 0,
                    "detail" : "no latency data over 5m: inconclusive"
                  } ],
                  "error" : "too little traffic to judge error rate of virtuoso-api-00002-def, p95 latency of virtuoso-api-00002-def",
                  "note" : "Cloud Monitoring data lags up to ~3 min: the newest minutes are not counted yet"
                }
                """);
        cli.interactive = true;
        assertOut(cli.rb("verify", "--functional"), 0, """
                \033[32m✓ verification passed\033[0m for virtuoso-api at http://127.0.0.1:PORT
                  checks: 2/2 passed in 0ms
                    \033[32m✓\033[0m  functional  list commands    200  0 ms
                    \033[32m✓\033[0m  functional  execute command  200  0 ms
                """);
    }

    @Test
    void assessAndTheAlertPolicyPrintExactlyAsTextAndJson() throws IOException {
        cli.manualTime();
        assertOut(cli.rb("assess"), 3, """
                ✗ trigger fired for virtuoso-api: critical — immediate rollback — within 5m
                  requests: 3000, 5xx: 1800 (60.0%), P95: 8.2s, window YYYY-MM-DDThh:mm:ssZ .. YYYY-MM-DDThh:mm:ssZ
                  error rate 60.0% > trigger 20.0%
                  P95 latency 8.2s > trigger 5s
                  roll back with: rollback -r runbooks/sandbox.yaml quick --previous
                  note: Cloud Monitoring data lags up to ~3 min: the newest minutes are not counted yet
                """);
        assertOut(cli.rb("-o", "json", "assess"), 3, """
                {
                  "ok" : false,
                  "service" : "virtuoso-api",
                  "recommendation" : "critical — immediate rollback — within 5m",
                  "command" : "rollback -r runbooks/sandbox.yaml quick --previous",
                  "sample" : {
                    "from" : "YYYY-MM-DDThh:mm:ssZ",
                    "to" : "YYYY-MM-DDThh:mm:ssZ",
                    "requests" : 3000,
                    "errors" : 1800,
                    "p95Ms" : 8228.571428571428
                  },
                  "errorRate" : 0.6,
                  "errorRateVerdict" : "fail",
                  "latencyVerdict" : "fail",
                  "fired" : true,
                  "severity" : "critical",
                  "action" : "immediate rollback",
                  "withinMs" : 300000,
                  "reasons" : [ "error rate 60.0% > trigger 20.0%", "P95 latency 8.2s > trigger 5s" ],
                  "note" : "Cloud Monitoring data lags up to ~3 min: the newest minutes are not counted yet"
                }
                """);
        assertOut(cli.rb("alert-policy"), 0, """
                # Cloud Monitoring alert policy (apply with --apply)
                displayName: "Auto Rollback on High Error Rate"
                combiner: OR
                conditions:
                  - displayName: "5xx ratio > 50% for 1m"
                    conditionThreshold:
                      filter: 'resource.type="cloud_run_revision" AND resource.labels.service_name="virtuoso-api" AND metric.type="run.googleapis.com/request_count" AND metric.labels.response_code_class="5xx"'
                      denominatorFilter: 'resource.type="cloud_run_revision" AND resource.labels.service_name="virtuoso-api" AND metric.type="run.googleapis.com/request_count"'
                      aggregations / denominatorAggregations: {alignmentPeriod: 60s, perSeriesAligner: ALIGN_RATE, crossSeriesReducer: REDUCE_SUM, groupByFields: [resource.label.service_name]}
                      comparison: COMPARISON_GT
                      thresholdValue: 0.5
                      duration: 60s
                notificationChannels: []
                documentation: "More than 50% of virtuoso-api requests answered 5xx for 1m. Roll back: `rollback -r runbooks/sandbox.yaml quick --previous`."
                """);
        assertOut(cli.rb("-o", "json", "alert-policy"), 0, """
                {
                  "ok" : true,
                  "displayName" : "Auto Rollback on High Error Rate",
                  "conditionName" : "5xx ratio > 50% for 1m",
                  "filter" : "resource.type=\\"cloud_run_revision\\" AND resource.labels.service_name=\\"virtuoso-api\\" AND metric.type=\\"run.googleapis.com/request_count\\" AND metric.labels.response_code_class=\\"5xx\\"",
                  "denominatorFilter" : "resource.type=\\"cloud_run_revision\\" AND resource.labels.service_name=\\"virtuoso-api\\" AND metric.type=\\"run.googleapis.com/request_count\\"",
                  "threshold" : 0.5,
                  "duration" : 6E+1,
                  "channels" : [ ],
                  "documentation" : "More than 50% of virtuoso-api requests answered 5xx for 1m. Roll back: `rollback -r runbooks/sandbox.yaml quick --previous`."
                }
                """);
    }

    @Test
    void historyPrintsItsTableOneRecordWholeRecordsAndJsonExactly() throws IOException {
        cli.manualTime();
        assertOut(cli.run("history"), 0, """
                The journal is empty.
                """);
        assertThat(cli.rb("quick", "--previous", "--yes").code()).isZero();
        assertThat(cli.rb("tag", "--name", "stable-2026-11-28", "--yes").code()).isZero();
        assertThat(cli.rb("undo", "--yes").code()).isZero();
        String first = cli.journal().get(0).get("id").asText();
        assertOut(cli.run("history"), 0, """
                ID    TIME            WHO     WHAT                 CHANGE                 OUTCOME   BY
                id01  MM-DD hh:mm:ss  tester  quick --previous     00003-ghi → 00002-def  verified  manual
                id04  MM-DD hh:mm:ss  tester  tag --name stable-…  00002-def → 00002-def  applied   manual
                id06  MM-DD hh:mm:ss  tester  undo id04            00002-def → 00002-def  verified  manual
                `rollback history ID` shows a whole record; `rollback undo ID` reverses it
                """);
        assertOut(cli.run("history", first), 0, """
                id:       YYYYMMDDThhmmssZ-id01
                time:     YYYY-MM-DD hh:mm:ss Z (YYYY-MM-DDThh:mm:ssZ)
                who:      tester
                what:     quick --previous
                target:   projects/virtuoso-sandbox/locations/us-central1/services/virtuoso-api
                change:   virtuoso-api-00003-ghi → virtuoso-api-00002-def
                outcome:  verified (changed something)
                detail:   verification: 5/5 checks passed
                before:   [{"latest":true,"revision":null,"percent":100,"tag":null},{"latest":false,"revision":"virtuoso-api-00002-def","percent":0,"tag":"stable-2024-07-24"}]
                after:    [{"latest":false,"revision":"virtuoso-api-00002-def","percent":100,"tag":"stable-2024-07-24"}]
                """);
        assertOut(cli.run("-v", "history", "--limit", "2"), 0, """
                id:       YYYYMMDDThhmmssZ-id04
                time:     YYYY-MM-DD hh:mm:ss Z (YYYY-MM-DDThh:mm:ssZ)
                who:      tester
                what:     tag --name stable-2026-11-28
                target:   projects/virtuoso-sandbox/locations/us-central1/services/virtuoso-api
                change:   virtuoso-api-00002-def → virtuoso-api-00002-def
                outcome:  applied (changed something)
                detail:   tag virtuoso-api-00002-def as stable-2026-11-28 (traffic split unchanged)
                before:   [{"latest":false,"revision":"virtuoso-api-00002-def","percent":100,"tag":"stable-2024-07-24"}]
                after:    [{"latest":false,"revision":"virtuoso-api-00002-def","percent":100,"tag":"stable-2024-07-24"},{"latest":false,"revision":"virtuoso-api-00002-def","percent":0,"tag":"stable-2026-11-28"}]

                id:       YYYYMMDDThhmmssZ-id06
                time:     YYYY-MM-DD hh:mm:ss Z (YYYY-MM-DDThh:mm:ssZ)
                who:      tester
                what:     undo YYYYMMDDThhmmssZ-id04
                target:   projects/virtuoso-sandbox/locations/us-central1/services/virtuoso-api
                change:   virtuoso-api-00002-def → virtuoso-api-00002-def
                outcome:  verified (changed something)
                detail:   verification: 5/5 checks passed
                before:   [{"latest":false,"revision":"virtuoso-api-00002-def","percent":100,"tag":"stable-2024-07-24"},{"latest":false,"revision":"virtuoso-api-00002-def","percent":0,"tag":"stable-2026-11-28"}]
                after:    [{"latest":false,"revision":"virtuoso-api-00002-def","percent":100,"tag":"stable-2024-07-24"}]

                """);
        assertOut(cli.run("-o", "json", "history", first), 0, """
                {
                  "ok" : true,
                  "record" : {
                    "id" : "YYYYMMDDThhmmssZ-id01",
                    "time" : "YYYY-MM-DDThh:mm:ssZ",
                    "user" : "tester",
                    "command" : "quick --previous",
                    "target" : "projects/virtuoso-sandbox/locations/us-central1/services/virtuoso-api",
                    "kind" : "traffic",
                    "before" : [ {
                      "latest" : true,
                      "revision" : null,
                      "percent" : 100,
                      "tag" : null
                    }, {
                      "latest" : false,
                      "revision" : "virtuoso-api-00002-def",
                      "percent" : 0,
                      "tag" : "stable-2024-07-24"
                    } ],
                    "after" : [ {
                      "latest" : false,
                      "revision" : "virtuoso-api-00002-def",
                      "percent" : 100,
                      "tag" : "stable-2024-07-24"
                    } ],
                    "state" : "verified",
                    "detail" : "verification: 5/5 checks passed",
                    "changed" : true,
                    "from" : "virtuoso-api-00003-ghi",
                    "to" : "virtuoso-api-00002-def"
                  },
                  "steps" : [ ]
                }
                """);
        assertOut(cli.run("-o", "json", "history", "--limit", "1"), 0, """
                {
                  "ok" : true,
                  "records" : [ {
                    "id" : "YYYYMMDDThhmmssZ-id06",
                    "time" : "YYYY-MM-DDThh:mm:ssZ",
                    "user" : "tester",
                    "command" : "undo YYYYMMDDThhmmssZ-id04",
                    "target" : "projects/virtuoso-sandbox/locations/us-central1/services/virtuoso-api",
                    "kind" : "traffic",
                    "before" : [ {
                      "latest" : false,
                      "revision" : "virtuoso-api-00002-def",
                      "percent" : 100,
                      "tag" : "stable-2024-07-24"
                    }, {
                      "latest" : false,
                      "revision" : "virtuoso-api-00002-def",
                      "percent" : 0,
                      "tag" : "stable-2026-11-28"
                    } ],
                    "after" : [ {
                      "latest" : false,
                      "revision" : "virtuoso-api-00002-def",
                      "percent" : 100,
                      "tag" : "stable-2024-07-24"
                    } ],
                    "state" : "verified",
                    "detail" : "verification: 5/5 checks passed",
                    "changed" : true,
                    "from" : "virtuoso-api-00002-def",
                    "to" : "virtuoso-api-00002-def"
                  } ]
                }
                """);
        cli.interactive = true;
        assertOut(cli.run("history"), 0, """
                ID    TIME            WHO     WHAT                 CHANGE                 OUTCOME   BY
                id01  MM-DD hh:mm:ss  tester  quick --previous     00003-ghi → 00002-def  verified  manual
                id04  MM-DD hh:mm:ss  tester  tag --name stable-…  00002-def → 00002-def  applied   manual
                id06  MM-DD hh:mm:ss  tester  undo id04            00002-def → 00002-def  verified  manual
                \033[2m`rollback history ID` shows a whole record; `rollback undo ID` reverses it\033[0m
                """);
    }

    @Test
    void aDrillPrintsExactlyAsTextAndJson() throws IOException {
        cli.manualTime();
        assertOut(cli.run("drill", "--sandbox", "--report", cli.home.resolve("drills").toString()), 0, """
                Drill plan for virtuoso-sandbox/us-central1/virtuoso-api:
                  1. route 100% to the bad revision virtuoso-api-00003-ghi (it serves 100% already)
                  2. verify, expecting the checks to fail (up to 2m)
                  3. route 100% to the stable revision virtuoso-api-00002-def
                  4. verify, expecting the checks to pass (up to 5m)
                  5. restore the original traffic: [LATEST 100%, virtuoso-api-00002-def (tag stable-2024-07-24) 0%]
                drill: routing 100% to the bad revision virtuoso-api-00003-ghi
                drill: verifying, expecting failure
                ✓ detecting the bad revision: done after 800ms
                drill: quick rollback to the stable revision virtuoso-api-00002-def
                Plan for virtuoso-sandbox/us-central1/virtuoso-api: route 100% of virtuoso-api traffic to virtuoso-api-00002-def
                  traffic now:
                    LATEST (= virtuoso-api-00003-ghi)  100%
                    virtuoso-api-00002-def             0%    tag stable-2024-07-24
                  traffic after:
                    virtuoso-api-00002-def  100%  tag stable-2024-07-24
                  note: traffic will be pinned to virtuoso-api-00002-def: new deployments get 0% until `rollback quick --to-latest`; deploy a fix first: the latest Ready revision is still virtuoso-api-00003-ghi, the one rolled back from
                  note: tags kept: stable-2024-07-24
                ✓ virtuoso-api serves the new traffic (0 ms)
                ✓ waiting for the checks to pass: done after 0ms
                drill: restoring the original traffic split
                Plan for virtuoso-sandbox/us-central1/virtuoso-api: restore the traffic of virtuoso-api from before the drill
                  traffic now:
                    virtuoso-api-00002-def  100%  tag stable-2024-07-24
                  traffic after:
                    LATEST (= virtuoso-api-00003-ghi)  100%
                    virtuoso-api-00002-def             0%    tag stable-2024-07-24
                ✓ virtuoso-api serves the new traffic (0 ms)
                ✓ drill passed for virtuoso-sandbox/us-central1/virtuoso-api
                  ran by:                tester, rollback (development build), runbook sandbox.yaml (built in)
                  started:               YYYY-MM-DDThh:mm:ssZ (UTC); no journal kept (an in-process sandbox, gone when the drill ended)
                  incident record:       /tmp/HOME/incidents/YYYYMMDDThhmmssZ-xxxx/ (the quick rollback's: charts, error logs, timeline)
                  revisions:             stable virtuoso-api-00002-def, bad virtuoso-api-00003-ghi
                  timeouts:              detect 2m, recover 5m
                  time to detect:        800ms (until the checks saw the bad revision fail; an alert would add Monitoring's lag and its duration)
                  checks that saw it:    /health, /health?detailed=true, /health/ready, list commands, execute command
                  time to recover:       0ms (from the quick rollback to every check passing)
                  checks passing again:  /health, /health?detailed=true, /health/ready, list commands, execute command
                  deadline:              critical at 100% of checks failing: 5m, met
                    ✓  record   0ms    stable revision virtuoso-api-00002-def, bad revision virtuoso-api-00003-ghi, original traffic [LATEST 100%, virtuoso-api-00002-def (tag stable-2024-07-24) 0%]
                    ✓  break    0ms    already serving virtuoso-api-00003-ghi (100%)
                    ✓  detect   800ms  5/5 checks failed
                    ✓  recover  0ms    100% to virtuoso-api-00002-def, 5/5 checks passed
                    ✓  restore  0ms    restore the traffic of virtuoso-api from before the drill
                  report: /tmp/HOME/drills/drill-YYYYMMDD-hhmmss.md
                  report: /tmp/HOME/drills/drill-YYYYMMDD-hhmmss.json
                  (made the directory /tmp/HOME/drills for the report)
                """);
        assertOut(cli.run("-o", "json", "drill", "--sandbox", "--report", cli.home.resolve("drills").toString()), 0, """
                {
                  "ok" : true,
                  "service" : "virtuoso-sandbox/us-central1/virtuoso-api",
                  "started" : "YYYY-MM-DDThh:mm:ssZ",
                  "ranBy" : "tester",
                  "runbook" : "sandbox.yaml (built in)",
                  "toolVersion" : "rollback (development build)",
                  "stableRevision" : "virtuoso-api-00002-def",
                  "badRevision" : "virtuoso-api-00003-ghi",
                  "originalTraffic" : [ {
                    "latest" : true,
                    "revision" : null,
                    "percent" : 100,
                    "tag" : null
                  }, {
                    "latest" : false,
                    "revision" : "virtuoso-api-00002-def",
                    "percent" : 0,
                    "tag" : "stable-2024-07-24"
                  } ],
                  "detectTimeoutMs" : 120000,
                  "recoverTimeoutMs" : 300000,
                  "steps" : [ {
                    "name" : "record",
                    "detail" : "stable revision virtuoso-api-00002-def, bad revision virtuoso-api-00003-ghi, original traffic [LATEST 100%, virtuoso-api-00002-def (tag stable-2024-07-24) 0%]",
                    "durationMs" : 0,
                    "ok" : true
                  }, {
                    "name" : "break",
                    "detail" : "already serving virtuoso-api-00003-ghi (100%)",
                    "durationMs" : 0,
                    "ok" : true
                  }, {
                    "name" : "detect",
                    "detail" : "5/5 checks failed",
                    "durationMs" : 800,
                    "ok" : true
                  }, {
                    "name" : "recover",
                    "detail" : "100% to virtuoso-api-00002-def, 5/5 checks passed",
                    "durationMs" : 0,
                    "ok" : true
                  }, {
                    "name" : "restore",
                    "detail" : "restore the traffic of virtuoso-api from before the drill",
                    "durationMs" : 0,
                    "ok" : true
                  } ],
                  "timeToDetectMs" : 800,
                  "timeToRecoverMs" : 0,
                  "failedChecks" : [ "/health", "/health?detailed=true", "/health/ready", "list commands", "execute command" ],
                  "passedChecks" : [ "/health", "/health?detailed=true", "/health/ready", "list commands", "execute command" ],
                  "failedCheckRatio" : 1.0,
                  "severity" : "critical",
                  "deadlineMs" : 300000,
                  "withinDeadline" : true,
                  "dryRun" : false,
                  "journalId" : null,
                  "createdRevisions" : [ ],
                  "incidentRecord" : "/tmp/HOME/incidents/YYYYMMDDThhmmssZ-xxxx/",
                  "reports" : [ "/tmp/HOME/drills/drill-YYYYMMDD-hhmmss.md", "/tmp/HOME/drills/drill-YYYYMMDD-hhmmss.json" ]
                }
                """);
        assertOut(cli.run("--dry-run", "-o", "json", "drill", "--sandbox"), 0, """
                {
                  "ok" : true,
                  "service" : "virtuoso-sandbox/us-central1/virtuoso-api",
                  "started" : "YYYY-MM-DDThh:mm:ssZ",
                  "ranBy" : "tester",
                  "runbook" : "sandbox.yaml (built in)",
                  "toolVersion" : "rollback (development build)",
                  "stableRevision" : "virtuoso-api-00002-def",
                  "badRevision" : "virtuoso-api-00003-ghi",
                  "originalTraffic" : [ {
                    "latest" : true,
                    "revision" : null,
                    "percent" : 100,
                    "tag" : null
                  }, {
                    "latest" : false,
                    "revision" : "virtuoso-api-00002-def",
                    "percent" : 0,
                    "tag" : "stable-2024-07-24"
                  } ],
                  "detectTimeoutMs" : 120000,
                  "recoverTimeoutMs" : 300000,
                  "steps" : [ {
                    "name" : "record",
                    "detail" : "stable revision virtuoso-api-00002-def, bad revision virtuoso-api-00003-ghi, original traffic [LATEST 100%, virtuoso-api-00002-def (tag stable-2024-07-24) 0%]",
                    "durationMs" : 0,
                    "ok" : true
                  } ],
                  "timeToDetectMs" : null,
                  "timeToRecoverMs" : null,
                  "failedChecks" : [ ],
                  "passedChecks" : [ ],
                  "failedCheckRatio" : 0.0,
                  "severity" : null,
                  "deadlineMs" : 0,
                  "withinDeadline" : false,
                  "dryRun" : true,
                  "journalId" : null,
                  "createdRevisions" : [ ],
                  "incidentRecord" : null
                }
                """);
    }

    @Test
    void errorsWatchAndFirestoreOperationsPrintExactlyAsTextAndJson() throws IOException {
        cli.manualTime();
        assertOut(cli.rb("-o", "json", "quick", "--to-revision", "nope"), 2, """
                {
                  "ok" : false,
                  "error" : "revision nope does not belong to service virtuoso-api (revisions, newest first: virtuoso-api-00004-jkl (not Ready), virtuoso-api-00003-ghi, virtuoso-api-00002-def, virtuoso-api-00001-abc)"
                }
                """);
        assertOut(cli.rb("restore", "firestore", "--list"), 0, """
                Firestore import/export operations of virtuoso-sandbox/(default), newest first:
                  ID            TYPE    STATE       START                 END                   PROGRESS                    PREFIX
                  xxxxxxxx-xxx  EXPORT  SUCCESSFUL  YYYY-MM-DDThh:mm:ssZ  YYYY-MM-DDThh:mm:ssZ  5/5 documents, 308 B/308 B  gs://virtuoso-sandbox-backups/YYYY-MM-DDThh:mm:ss_NNNNN (commands,users)
                """);
        assertOut(cli.rb("-o", "json", "restore", "firestore", "--list"), 0, """
                {
                  "ok" : true,
                  "project" : "virtuoso-sandbox",
                  "database" : "(default)",
                  "operations" : [ {
                    "name" : "projects/virtuoso-sandbox/databases/(default)/operations/UUID",
                    "type" : "EXPORT",
                    "state" : "SUCCESSFUL",
                    "done" : true,
                    "error" : null,
                    "start" : "YYYY-MM-DDThh:mm:ssZ",
                    "end" : "YYYY-MM-DDThh:mm:ssZ",
                    "documentsDone" : 5,
                    "documentsTotal" : 5,
                    "bytesDone" : 308,
                    "bytesTotal" : 308,
                    "prefix" : "gs://virtuoso-sandbox-backups/YYYY-MM-DDThh:mm:ss_NNNNN",
                    "collections" : [ "commands", "users" ]
                  } ]
                }
                """);
        assertOut(cli.rb("-o", "json", "watch", "--interval", "10s", "--for", "5s"), 3, """
                {
                  "ok" : false,
                  "evaluations" : 1,
                  "last" : {
                    "sample" : {
                      "from" : "YYYY-MM-DDThh:mm:ssZ",
                      "to" : "YYYY-MM-DDThh:mm:ssZ",
                      "requests" : 3000,
                      "errors" : 1800,
                      "p95Ms" : 8228.571428571428
                    },
                    "errorRate" : 0.6,
                    "errorRateVerdict" : "fail",
                    "latencyVerdict" : "fail",
                    "fired" : true,
                    "severity" : "critical",
                    "action" : "immediate rollback",
                    "withinMs" : 300000,
                    "reasons" : [ "error rate 60.0% > trigger 20.0%", "P95 latency 8.2s > trigger 5s" ]
                  },
                  "rollback" : null,
                  "log" : [ "MM-DD hh:mm:ss Z  virtuoso-api-00003-ghi  FIRING 5xx 60.0% of 3000, P95 8.2s — critical — immediate rollback — within 5m  (firing for 0ms)" ]
                }
                """);
        assertOut(cli.rb("watch", "--interval", "10s", "--for", "5s"), 3, """
                MM-DD hh:mm:ss Z  virtuoso-api-00003-ghi  FIRING 5xx 60.0% of 3000, P95 8.2s — critical — immediate rollback — within 5m  (firing for 0ms)
                """);
    }
}
