package dev.virtuoso.rollback.cli.render;

import java.io.IOException;
import java.io.Writer;

/**
 * The line a spinner rewrites on a terminal. Stdout and stderr end on the same screen, so it is
 * shared by both: whatever either prints next clears it first, and a result never runs on from the
 * spinner's last frame ({@code ⠦ 3/3 count the rows✓ restore …}).
 */
public final class StatusLine {
    private Writer drawnOn;
    private String eraser;

    /** {@code text} drawn on {@code w} in place of the line shown, if any; {@code eraser} clears it later. */
    public synchronized void draw(Writer w, String text, String eraser) throws IOException {
        clear();
        w.write(text);
        w.flush();
        drawnOn = w;
        this.eraser = eraser;
    }

    /** Clears the line shown, if any: the cursor is then at the start of an empty line. */
    public synchronized void clear() throws IOException {
        if (eraser != null) {
            String e = eraser;
            eraser = null;
            drawnOn.write(e);
            drawnOn.flush();
        }
    }
}
