package dev.virtuoso.rollback.cli;

import dev.virtuoso.rollback.cli.render.StatusLine;
import dev.virtuoso.rollback.model.Secret;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;

/**
 * A console stream that writes each line once it is whole, through the run's secrets, so a secret
 * printed in several writes is still recognised. A flush writes what there is (a prompt). Stdout and
 * stderr share one {@link StatusLine}: what either writes clears the spinner's line first.
 */
final class RedactingWriter extends Writer {
    private final Writer out;
    private final Secret.Registry secrets;
    private final StatusLine status;
    private final StringBuilder line = new StringBuilder();

    private RedactingWriter(Writer out, Secret.Registry secrets, StatusLine status) {
        super(out);
        this.out = out;
        this.secrets = secrets;
        this.status = status;
    }

    /** The status line {@code w} shares already, or a new one. */
    static StatusLine statusLine(PrintWriter w) {
        return w instanceof Redacted r ? r.writer.status : new StatusLine();
    }

    /** {@code w}, redacted with {@code secrets} and sharing {@code status}; the same writer when it already is. */
    static PrintWriter over(PrintWriter w, Secret.Registry secrets, StatusLine status) {
        return w instanceof Redacted r && r.secrets == secrets && r.writer.status == status ? w
                : new Redacted(new RedactingWriter(w, secrets, status), secrets);
    }

    /**
     * Draws {@code text}, with no newline, as the status line of {@code w} (a console stream), in place
     * of the one shown; {@code eraser} clears it when anything else is written. The text is redacted
     * already: it was cut to the terminal's width after its secrets were taken out.
     */
    static void status(PrintWriter w, String text, String eraser) {
        if (!(w instanceof Redacted r)) {
            w.print(text);
            w.flush();
            return;
        }
        RedactingWriter rw = r.writer;
        synchronized (rw.lock) {
            try {
                rw.emit();
                rw.status.draw(rw.out, text, eraser);
            } catch (IOException e) {
                r.setError();
            }
        }
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
            status.clear();
            out.write(secrets.redact(line.toString()));
            line.setLength(0);
        }
    }

    /** Flushes at every println, as the console streams it replaces do. */
    private static final class Redacted extends PrintWriter {
        final RedactingWriter writer;
        final Secret.Registry secrets;

        Redacted(RedactingWriter w, Secret.Registry secrets) {
            super(w, true);
            this.writer = w;
            this.secrets = secrets;
        }

        @Override
        protected void setError() {
            super.setError();
        }
    }
}
