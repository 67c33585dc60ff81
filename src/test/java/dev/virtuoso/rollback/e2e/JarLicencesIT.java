package dev.virtuoso.rollback.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.jar.JarFile;
import java.util.zip.ZipEntry;
import org.junit.jupiter.api.Test;

/**
 * The built jar keeps the licence and notice texts of its dependencies, merged, rather than
 * whichever jar's copy the build met first (which it used to warn about, once per file).
 */
class JarLicencesIT {
    private static final String JAR = System.getProperty("rollback.jar", "target/rollback.jar");

    @Test
    void theNoticesOfNettyJacksonCommonsCodecAndArrowAreAllInOneNoticeFile() throws IOException {
        try (JarFile jar = new JarFile(JAR)) {
            assertThat(text(jar, "META-INF/NOTICE")).contains("The Netty Project").contains("Jackson JSON processor")
                    .contains("Apache Commons Codec").contains("Arrow Vectors");
            // NOTICE.txt (gRPC's shaded Netty, Commons Codec) is merged into NOTICE, not left beside it.
            assertThat(jar.getEntry("META-INF/NOTICE.txt")).isNull();
        }
    }

    @Test
    void theLicenceTextsOfEveryDependencyAreKeptOneAfterAnother() throws IOException {
        try (JarFile jar = new JarFile(JAR)) {
            // LICENSE.txt: CDDL (javax.annotation), Apache 2.0 (gRPC, Commons Codec), MIT (checker-qual, SLF4J),
            // BSD (ThreeTen).
            assertThat(text(jar, "META-INF/LICENSE.txt")).contains("COMMON DEVELOPMENT AND DISTRIBUTION LICENSE")
                    .contains("Apache License").contains("Permission is hereby granted")
                    .contains("Redistribution and use in source and binary forms");
            // LICENSE: one Apache 2.0 text per jar that carries it (Jackson, Guava, Arrow, HttpClient, ...).
            assertThat(text(jar, "META-INF/LICENSE").split("TERMS AND CONDITIONS FOR USE", -1)).hasSizeGreaterThan(10);
        }
    }

    @Test
    void whatNothingReadsIsLeftOutAndNettyStillFindsTheVersionsOfBothItsJars() throws IOException {
        try (JarFile jar = new JarFile(JAR)) {
            assertThat(jar.getEntry("arrow-git.properties")).isNull();
            assertThat(jar.getEntry("META-INF/maven/org.jctools/jctools-core/pom.xml")).isNull();
            assertThat(jar.getEntry("META-INF/versions/9/OSGI-INF/MANIFEST.MF")).isNull();
            assertThat(text(jar, "META-INF/io.netty.versions.properties")).contains("netty-buffer.version=")
                    .contains("netty-common.version=");
        }
    }

    private static String text(JarFile jar, String name) throws IOException {
        ZipEntry entry = jar.getEntry(name);
        assertThat(entry).as(name).isNotNull();
        try (InputStream in = jar.getInputStream(entry)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
