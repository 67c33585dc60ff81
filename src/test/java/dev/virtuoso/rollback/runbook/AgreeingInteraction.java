package dev.virtuoso.rollback.runbook;

import java.util.ArrayList;
import java.util.List;

/** A person who agrees to everything and whose console keeps what it was told ({@link #said}). */
final class AgreeingInteraction implements Interaction {
    final List<String> said = new ArrayList<>();
    /** As with --yes: the run was confirmed before it started, so a second question cannot be asked. */
    boolean yes;

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
