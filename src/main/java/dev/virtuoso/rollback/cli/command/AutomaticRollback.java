package dev.virtuoso.rollback.cli.command;

import dev.virtuoso.rollback.change.ActionResult;
import dev.virtuoso.rollback.change.ChangePipeline;
import dev.virtuoso.rollback.cli.Session;
import dev.virtuoso.rollback.model.ServiceState;
import dev.virtuoso.rollback.traffic.QuickRollback;
import dev.virtuoso.rollback.traffic.TrafficChange;
import java.util.Optional;

/** The rollback automation makes (`watch --auto`, `respond`): exactly `quick --previous`, on what it judged. */
final class AutomaticRollback {
    private AutomaticRollback() {
    }

    /**
     * `quick --previous` with its preflight (secrets, never walking back too far), planned only on the
     * service as it was judged ({@code look}: exit 5 when it changed since), through {@code pipeline};
     * {@code cannotAsk}: a question the plan raises is a refusal.
     */
    static ActionResult previous(Session s, ServiceState look, ChangePipeline pipeline, boolean cannotAsk) {
        QuickRollback.Guarded ready = QuickRollback.prepare(new QuickRollback.Request(s.target().service(),
                new QuickRollback.Previous(), 100, false, false, false, Optional.of(look)), s.control(), s.secrets(),
                s.journal().history(), s.ctx.clock().instant(), cannotAsk);
        TrafficChange change = new TrafficChange(ready.plan(), s.control(), ready.caution());
        return pipeline.execute(change, s.checksAfter(change, false));
    }
}
