package io.kovn.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.NamedRuleWithOperations;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingAdmissionPolicy;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingAdmissionPolicyBinding;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.Validation;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.Variable;
import io.kovn.deploy.AnnotationPolicyCases.Case;
import io.kovn.deploy.PolicyEvaluator.Decision;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The shipped admission policy, read with fabric8's typed model and its CEL run with CEL-Java. */
class AnnotationPolicyTest {
    private static final String YAML = DeployResources.read(DeployResources.ANNOTATION_POLICY);

    @Test
    void shipsOnePolicyAndTheBindingThatEnforcesIt() {
        List<HasMetadata> objects = StrictKubernetesYaml.parse(YAML);

        assertThat(objects).hasSize(2);
        ValidatingAdmissionPolicy policy = (ValidatingAdmissionPolicy) objects.get(0);
        ValidatingAdmissionPolicyBinding binding = (ValidatingAdmissionPolicyBinding) objects.get(1);
        assertThat(policy.getApiVersion()).isEqualTo("admissionregistration.k8s.io/v1");
        assertThat(binding.getApiVersion()).isEqualTo("admissionregistration.k8s.io/v1");
        assertThat(binding.getSpec().getPolicyName()).isEqualTo(policy.getMetadata().getName());
        assertThat(binding.getSpec().getValidationActions()).containsExactly("Deny");
        assertThat(binding.getSpec().getMatchResources()).isNull();
        assertThat(policy.getSpec().getFailurePolicy()).isEqualTo("Fail");
        assertThat(policy.getSpec().getParamKind()).isNull();
    }

    @Test
    void guardsPodsAndNodesAndTheirSubresourcesOnCreateAndUpdate() {
        ValidatingAdmissionPolicy policy = policy(YAML);

        assertThat(policy.getSpec().getMatchConstraints().getResourceRules()).singleElement()
                .satisfies((NamedRuleWithOperations rule) -> {
                    assertThat(rule.getApiGroups()).containsExactly("");
                    assertThat(rule.getApiVersions()).containsExactly("v1");
                    assertThat(rule.getOperations()).containsExactlyInAnyOrder("CREATE", "UPDATE");
                    assertThat(rule.getResources()).containsExactlyInAnyOrder("pods", "pods/*", "nodes", "nodes/*");
                });
    }

    static Stream<Case> cases() {
        return AnnotationPolicyCases.all().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void answersAsKubeApiserverWould(Case c) {
        Decision decision = new PolicyEvaluator(policy(YAML)).evaluate(c.input());

        assertThat(decision.allowed()).as("allowed").isEqualTo(c.allowed());
        if (!c.allowed()) {
            assertThat(decision.message()).contains(c.refusalMentions())
                    .contains("written only by kovn").doesNotContain("\n");
        }
    }

    /** Ways to get the policy subtly wrong; each must make at least one case answer differently. */
    static Stream<Arguments> brokenPolicies() {
        return Stream.of(
                Arguments.of("a removed key is not noticed",
                        "+ variables.oldAnnotations.filter(", "+ [].filter("),
                Arguments.of("a changed value is not noticed",
                        " || variables.oldAnnotations[k] != variables.newAnnotations[k]", ""),
                Arguments.of("the old object is ignored", "? oldObject.metadata.annotations : {}", "? {} : {}"),
                Arguments.of("only pod-networks is guarded",
                        "k.startsWith('k8s.ovn.org/')", "k == 'k8s.ovn.org/pod-networks'"),
                Arguments.of("a node agent may annotate any node",
                        " && variables.tokenNodes == [object.metadata.name]", ""),
                Arguments.of("the controller may write the node agent's keys",
                        "['k8s.ovn.org/node-subnets', 'k8s.ovn.org/node-gateway-router-lrp-ifaddr']",
                        "['k8s.ovn.org/node-subnets', 'k8s.ovn.org/node-gateway-router-lrp-ifaddr',"
                                + " 'k8s.ovn.org/l3-gateway-config', 'k8s.ovn.org/node-chassis-id']"),
                Arguments.of("the refusal does not name the keys", "variables.refusedKeys.join(', ')", "'annotations'"),
                Arguments.of("nothing is refused", "size(variables.refusedKeys) == 0", "true"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("brokenPolicies")
    void aBrokenPolicyFailsSomeCase(String breakage, String original, String replacement) {
        ValidatingAdmissionPolicy policy = policy(YAML);
        assertThat(rewrite(policy, original, replacement)).as("expressions containing the text to break")
                .isPositive();
        PolicyEvaluator broken = new PolicyEvaluator(policy);

        assertThat(AnnotationPolicyCases.all()).as(breakage).anySatisfy(c -> {
            Decision decision = broken.evaluate(c.input());
            assertThat(decision.allowed() != c.allowed()
                    || !c.allowed() && !c.refusalMentions().stream().allMatch(decision.message()::contains))
                    .as(c.name()).isTrue();
        });
    }

    /** Replaces text in every expression (whitespace folded to single spaces); returns how many changed. */
    private static int rewrite(ValidatingAdmissionPolicy policy, String original, String replacement) {
        int changed = 0;
        for (Variable v : policy.getSpec().getVariables()) {
            String before = v.getExpression();
            v.setExpression(rewritten(before, original, replacement));
            changed += before.equals(v.getExpression()) ? 0 : 1;
        }
        for (Validation v : policy.getSpec().getValidations()) {
            String before = v.getExpression() + v.getMessageExpression();
            v.setExpression(rewritten(v.getExpression(), original, replacement));
            v.setMessageExpression(rewritten(v.getMessageExpression(), original, replacement));
            changed += before.equals(v.getExpression() + v.getMessageExpression()) ? 0 : 1;
        }
        return changed;
    }

    private static String rewritten(String expression, String original, String replacement) {
        String folded = fold(expression);
        return folded.contains(original) ? folded.replace(original, replacement) : expression;
    }

    private static String fold(String expression) {
        return expression.trim().replaceAll("\\s+", " ");
    }

    private static ValidatingAdmissionPolicy policy(String yaml) {
        return StrictKubernetesYaml.parse(yaml).stream().filter(ValidatingAdmissionPolicy.class::isInstance)
                .map(ValidatingAdmissionPolicy.class::cast).findFirst().orElseThrow();
    }
}
