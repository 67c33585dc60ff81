package dev.virtuoso.rollback.cli;

import dev.virtuoso.rollback.runbook.Secret;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;

/**
 * A console stream that writes each line once it is whole, through the run's secrets, so a secret
 * printed in several writes is still recognised. A flush writes what there is (a prompt, a
 * spinner's line).
 */
final class RedactingWriter extends Writer {
    private final Writer out;
    private final Secret.Registry secrets;
    private final StringBuilder line = new StringBuilder();

    private RedactingWriter(Writer out, Secret.Registry secrets) {
        super(out);
        this.out = out;
        this.secrets = secrets;
    }

    /** {@code w}, redacted with {@code secrets}; the same writer when it already is. */
    static PrintWriter over(PrintWriter w, Secret.Registry secrets) {
        return w instanceof Redacted r && r.secrets == secrets ? w : new Redacted(new RedactingWriter(w, secrets), secrets);
    }

    @Override
    public void write(char[] chars, int off, int len) throws IOException {
        synchronized (lock) {
            for (int i = off; i < off + len; i++) {
                line.append(chars[i]);
                if (chars[i] == '\n') {
                    emit();
                }
            }
        }
    }

    @Override
    public void flush() throws IOException {
        synchronized (lock) {
            emit();
            out.flush();
        }
    }

    @Override
    public void close() throws IOException {
        synchronized (lock) {
            emit();
            out.close();
        }
    }

    private void emit() throws IOException {
        if (!line.isEmpty()) {
            out.write(secrets.redact(line.toString()));
            line.setLength(0);
        }
    }

    /** Flushes at every println, as the console streams it replaces do. */
    private static final class Redacted extends PrintWriter {
        final Secret.Registry secrets;

        Redacted(RedactingWriter w, Secret.Registry secrets) {
            super(w, true);
            this.secrets = secrets;
        }
    }
}
