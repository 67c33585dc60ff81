package dev.virtuoso.rollback.json;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

/**
 * The one configured JSON mapper: the journal, the state each change keeps for its undo, reports, JSON
 * output and Slack messages all write and read through it, so a time is an ISO-8601 string everywhere
 * and an {@code Optional} is its value or null. Built on first use (a holder class), so a command that
 * prints text loads no Jackson class.
 */
public final class Json {
    private Json() {
    }

    public static ObjectMapper mapper() {
        return Holder.MAPPER;
    }

    /**
     * The runbook's mapper: strict (an unknown key, a missing value for a primitive, a fraction where a
     * whole number belongs are errors) and without the time and {@code Optional} modules, which a runbook
     * does not use: a command that only reads the runbook ({@code status}) loads none of their classes.
     */
    public static ObjectMapper strict() {
        return StrictHolder.MAPPER;
    }

    private static final class StrictHolder {
        static final ObjectMapper MAPPER = JsonMapper.builder()
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT).build();
    }

    private static final class Holder {
        static final ObjectMapper MAPPER = JsonMapper.builder().addModule(new JavaTimeModule())
                .addModule(new Jdk8Module()).disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS).build();
    }
}
