package dev.virtuoso.rollback.json;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaCall.Predicates.target;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.assignableTo;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.properties.HasOwner.Predicates.With.owner;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.virtuoso.rollback.arch.Ports;
import org.junit.jupiter.api.Test;

class OneMapperTest {
    @Test
    void onlyJsonBuildsAJacksonMapperSoEveryJsonTheToolWritesIsConfiguredOnce() {
        noClasses().that(not(resideInAPackage("..json..")))
                .should().callConstructorWhere(target(owner(assignableTo(ObjectMapper.class))))
                .orShould().callMethod(JsonMapper.class, "builder")
                .check(Ports.PRODUCT);
    }
}
