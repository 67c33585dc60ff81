package dev.virtuoso.rollback.change;

import dev.virtuoso.rollback.port.Interaction;
import dev.virtuoso.rollback.port.Progress;
import java.util.ArrayList;
import java.util.List;

/** A person who agrees to everything and whose console keeps what it was told ({@link #said}). */
public final class AgreeingInteraction implements Interaction {
    public final List<String> said = new ArrayList<>();
    /** As with --yes: the run was confirmed before it started, so a second question cannot be asked. */
    public boolean yes;

    @Override
    public boolean confirmedAlready() {
        return yes;
    }

    @Override
    public void showPlan(Change<?> change, List<String> notes) {
    }

    @Override
    public void confirm(String question) {
    }

    @Override
    public void confirmTyped(String question, String word) {
    }

    @Override
    public Progress progress() {
        return Progress.NONE;
    }

    @Override
    public void info(String message) {
        said.add(message);
    }
}
