package io.kovn.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingAdmissionPolicy;
import org.junit.jupiter.api.Test;

class StrictKubernetesYamlTest {
    private static final String POLICY = """
            apiVersion: admissionregistration.k8s.io/v1
            kind: ValidatingAdmissionPolicy
            metadata:
              name: p
            spec:
              %s
              validations:
                - expression: "true"
            """;

    @Test
    void readsAKnownKindIntoItsTypedClass() {
        assertThat(StrictKubernetesYaml.parse(POLICY.formatted("failurePolicy: Fail")))
                .singleElement().isInstanceOfSatisfying(ValidatingAdmissionPolicy.class,
                        p -> assertThat(p.getSpec().getFailurePolicy()).isEqualTo("Fail"));
    }

    @Test
    void refusesAFieldTheModelDoesNotKnow() {
        assertThatThrownBy(() -> StrictKubernetesYaml.parse(POLICY.formatted("failurePolicyy: Fail")))
                .hasStackTraceContaining("failurePolicyy");
    }

    @Test
    void refusesAKnownFieldInTheWrongPlace() {
        assertThatThrownBy(() -> StrictKubernetesYaml.parse(POLICY.formatted("expression: \"true\"")))
                .hasStackTraceContaining("expression");
    }
}
