package dev.virtuoso.rollback.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.zetasql.Analyzer;
import com.google.zetasql.AnalyzerOptions;
import com.google.zetasql.LanguageOptions;
import com.google.zetasql.ParseResumeLocation;
import com.google.zetasql.Parser;
import com.google.zetasql.SimpleCatalog;
import com.google.zetasql.SimpleTable;
import com.google.zetasql.SqlException;
import com.google.zetasql.TypeFactory;
import com.google.zetasql.ZetaSQLBuiltinFunctionOptions;
import com.google.zetasql.ZetaSQLOptions.ProductMode;
import com.google.zetasql.ZetaSQLType.TypeKind;
import dev.virtuoso.rollback.sandbox.Sandbox;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Every statement the BigQuery restore sends, checked by ZetaSQL, Google's own GoogleSQL parser and
 * analyzer, not only by the sandbox that matches the very strings it expects. The statements are
 * what the sandbox received from real restores (and the statement a refusal tells people to run);
 * the catalog holds the sandbox's tables with the schema it gives them, so table paths, FOR
 * SYSTEM_TIME AS OF and TIMESTAMP_MILLIS are resolved, not only parsed.
 */
class BigQueryGoogleSqlTest {
    private static final String DOMAIN_PROJECT = "example.com:virtuoso";
    private CliHarness cli;

    @AfterEach
    void close() throws Exception {
        if (cli != null) {
            cli.close();
        }
    }

    private void restore(String table, String... how) {
        List<String> args = new ArrayList<>(List.of("restore", "bigquery", "--table", table));
        args.addAll(List.of(how));
        args.add("--yes");
        CliHarness.Result r = cli.rb(args.toArray(String[]::new));
        assertThat(r.code()).as(table + ": " + r.out() + r.err()).isZero();
    }

    @Test
    void everyStatementOfEveryKindOfRestoreParsesAndAnalyzesAsGoogleSql() {
        cli = new CliHarness();
        var bq = cli.controls;
        bq.bigQueryTableLike("analytics", "command_executions", "command-executions");
        bq.bigQueryTableLike("analytics", "command_executions", "command executions");
        bq.bigQueryTableLike("analytics", "command_executions", "clustered_only");
        bq.unpartitionBigQueryTable("analytics", "clustered_only");
        bq.bigQueryTableLike("analytics", "daily_totals", "daily totals");
        bq.bigQueryTableLike("analytics", "daily_totals", "tägliche—summen 01");
        bq.bigQueryTableInProject(DOMAIN_PROJECT, "analytics", "command_executions", "command-executions");
        bq.bigQueryTableInProject(DOMAIN_PROJECT, "analytics", "daily_totals", "daily totals");
        bq.bigQueryTableLike("analytics", "command_executions", "filtered");
        bq.requireBigQueryPartitionFilter("analytics", "filtered");

        restore("analytics.daily_totals", "--at", "-90m");                         // plain: copy job, counts
        restore("analytics.command_executions", "--at", "-2h");                    // partitioned and clustered
        restore("analytics.clustered_only", "--at", "-2h");                        // clustered only
        restore("analytics.command-executions", "--at", "-2h");
        restore("analytics.command executions", "--at", "-2h");
        restore("analytics.daily totals", "--at", "-90m");
        restore("analytics.tägliche—summen 01", "--at", "-90m");
        restore(DOMAIN_PROJECT + ":analytics.command-executions", "--at", "-2h");
        restore("`" + DOMAIN_PROJECT + ".analytics.daily totals`", "--at", "-90m");
        assertThat(cli.run("undo", "--yes").code()).isZero();                    // from a snapshot
        CliHarness.Result refused = cli.rb("restore", "bigquery", "--table", "analytics.filtered", "--at", "-2h",
                "--yes");
        String lift = refused.err().replaceFirst("(?s).*Lift it for the restore: (.*), restore, then.*", "$1");

        List<String> statements = new ArrayList<>(bq.bigQueryStatements());
        statements.add(lift);
        assertThat(statements).anyMatch(s -> s.startsWith("SELECT COUNT(*) FROM `" + DOMAIN_PROJECT + "`.")
                && s.contains(" FOR SYSTEM_TIME AS OF TIMESTAMP_MILLIS("))
                .anyMatch(s -> s.startsWith("BEGIN TRANSACTION; DELETE FROM `virtuoso-sandbox`.`analytics`.`command "
                        + "executions`"))
                .anyMatch(s -> s.startsWith("BEGIN TRANSACTION; DELETE FROM `" + DOMAIN_PROJECT + "`."))
                .anyMatch(s -> s.contains("`clustered_only`"))
                .anyMatch(s -> s.contains("`tägliche—summen 01`"))
                .anyMatch(s -> s.contains("_pre_restore_"))
                .anyMatch(s -> s.startsWith("ALTER TABLE `virtuoso-sandbox`.`analytics`.`filtered` SET OPTIONS"));

        GoogleSql sql = new GoogleSql(Map.of(Sandbox.PROJECT, bq.bigQueryTables("analytics"),
                DOMAIN_PROJECT, bq.bigQueryTables(DOMAIN_PROJECT, "analytics")));
        Map<String, String> refusedBySql = new LinkedHashMap<>();
        for (String statement : statements) {
            String problem = sql.problem(statement);
            if (problem != null) {
                refusedBySql.put(statement, problem);
            }
        }
        assertThat(refusedBySql).isEmpty();
        System.out.println("GoogleSQL: " + statements.size() + " statements (" + statements.stream().distinct().count()
                + " distinct) sent by the restores, each parsed and analyzed by ZetaSQL");
    }

    @Test
    void theWrittenRunbooksCreateOrReplaceFromADecoratedTableIsRejected() {
        GoogleSql sql = new GoogleSql(Map.of(Sandbox.PROJECT, List.of("t")));

        assertThat(sql.problem("CREATE OR REPLACE TABLE t AS SELECT * FROM t@1690234800000")).isNotNull();
    }

    @Test
    void aTableTheCatalogDoesNotHoldIsRejectedSoStatementsAreAnalyzedNotOnlyParsed() {
        GoogleSql sql = new GoogleSql(Map.of(Sandbox.PROJECT, List.of("t")));

        assertThat(sql.problem("SELECT COUNT(*) FROM `virtuoso-sandbox`.`analytics`.`t` FOR SYSTEM_TIME AS OF "
                + "TIMESTAMP_MILLIS(1764576000000)")).isNull();
        assertThat(sql.problem("SELECT COUNT(*) FROM `virtuoso-sandbox`.`analytics`.`nope`")).contains("nope");
        assertThat(sql.problem("SELECT COUNT(*) FROM `virtuoso-sandbox.analytics`.`t`")).isNotNull();
        assertThat(sql.problem("BEGIN TRANSACTION; DELETE FROM `virtuoso-sandbox`.`analytics`.`t`; COMMIT "
                + "TRANSACTION;")).isNotNull(); // DELETE needs a WHERE clause
    }

    @Test
    void theGoogleClientsKeepTheShadedGrpcTransportTheToolShipsWithBesideZetaSql() {
        // zetasql-client carries gRPC shaded, but its META-INF/services files still name the unshaded
        // io.grpc.netty providers (so grpc-netty must stay on the test classpath, or every gRPC client
        // fails with "Provider io.grpc.netty.NettyChannelProvider not found"); the transport the
        // product ships, grpc-netty-shaded, must still be the one chosen.
        var builder = io.grpc.ManagedChannelBuilder.forAddress("127.0.0.1", 1);
        assertThat(builder.getClass().getName()).startsWith("io.grpc.netty.shaded.");
    }

    /**
     * GoogleSQL as ZetaSQL takes it, every feature on, in BigQuery's (external) product mode, against
     * a catalog of projects, each with dataset {@code analytics} holding the given tables with the
     * sandbox's schema (id STRING, executed_at TIMESTAMP).
     */
    private static final class GoogleSql {
        private final LanguageOptions language = new LanguageOptions().enableMaximumLanguageFeatures();
        private final AnalyzerOptions options = new AnalyzerOptions();
        private final SimpleCatalog catalog = new SimpleCatalog("bigquery");

        GoogleSql(Map<String, List<String>> tablesByProject) {
            language.setSupportsAllStatementKinds();
            language.setProductMode(ProductMode.PRODUCT_EXTERNAL);
            options.setLanguageOptions(language);
            catalog.addZetaSQLFunctionsAndTypes(new ZetaSQLBuiltinFunctionOptions(language));
            tablesByProject.forEach((project, tables) -> {
                SimpleCatalog dataset = catalog.addNewSimpleCatalog(project).addNewSimpleCatalog("analytics");
                for (String name : tables) {
                    SimpleTable t = new SimpleTable(name);
                    t.addSimpleColumn("id", TypeFactory.createSimpleType(TypeKind.TYPE_STRING));
                    t.addSimpleColumn("executed_at", TypeFactory.createSimpleType(TypeKind.TYPE_TIMESTAMP));
                    dataset.addSimpleTable(t);
                }
            });
        }

        /** Null when {@code script} parses as a script and each of its statements analyzes; else why not. */
        String problem(String script) {
            try {
                Parser.parseScript(script, language);
                ParseResumeLocation next = new ParseResumeLocation(script);
                while (!script.substring(charAt(script, next.getBytePosition())).isBlank()) {
                    Analyzer.analyzeNextStatement(next, options, catalog);
                }
                return null;
            } catch (SqlException e) {
                return e.getMessage();
            }
        }

        /** The character index of a byte offset into the UTF-8 form of {@code text}. */
        private static int charAt(String text, int bytes) {
            return new String(text.getBytes(java.nio.charset.StandardCharsets.UTF_8), 0, bytes,
                    java.nio.charset.StandardCharsets.UTF_8).length();
        }
    }
}
