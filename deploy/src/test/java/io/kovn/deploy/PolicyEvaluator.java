package io.kovn.deploy;

import dev.cel.bundle.Cel;
import dev.cel.bundle.CelFactory;
import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.CelValidationException;
import dev.cel.common.types.MapType;
import dev.cel.common.types.SimpleType;
import dev.cel.extensions.CelExtensions;
import dev.cel.extensions.CelStringExtensions;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelRuntime;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingAdmissionPolicy;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingAdmissionPolicySpec;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs a ValidatingAdmissionPolicy's CEL against one admission request with CEL-Java, in the order and with the
 * variables kube-apiserver uses: matchConditions (any false: the policy does not apply), then {@code variables}
 * in declaration order (each may use the ones before it), then every validation; a false validation refuses with
 * its messageExpression's value, or its message when that value is empty or not a single line.
 *
 * <p>The environment mirrors Kubernetes' for admission policies: {@code object}, {@code oldObject} (null on
 * CREATE), {@code request}, {@code params} and {@code namespaceObject} as dynamic values, {@code variables} as a
 * map, CEL's standard macros ({@code has}, {@code all}, {@code exists}, {@code exists_one}, {@code map},
 * {@code filter}) and the strings extension Kubernetes enables ({@code join}, {@code split}, ...). Kubernetes' own
 * libraries (authorizer, quantity, ip, cidr, url, regex helpers, lists) are not here, so an expression using them
 * fails to compile in these tests. An evaluation error throws instead of being read through failurePolicy, so a
 * test can't pass because an expression broke.
 */
final class PolicyEvaluator {
    private static final Cel CEL = CelFactory.standardCelBuilder()
            .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
            .addCompilerLibraries(kubernetesStrings())
            .addRuntimeLibraries(kubernetesStrings())
            .addVar("object", SimpleType.DYN)
            .addVar("oldObject", SimpleType.DYN)
            .addVar("request", SimpleType.DYN)
            .addVar("params", SimpleType.DYN)
            .addVar("namespaceObject", SimpleType.DYN)
            .addVar("variables", MapType.create(SimpleType.STRING, SimpleType.DYN))
            .build();

    private final List<Compiled> matchConditions = new ArrayList<>();
    private final List<Compiled> variables = new ArrayList<>();
    private final List<Validation> validations = new ArrayList<>();

    /** Compiles every expression of the policy; a syntax or type error fails here, naming the expression. */
    PolicyEvaluator(ValidatingAdmissionPolicy policy) {
        ValidatingAdmissionPolicySpec spec = policy.getSpec();
        spec.getMatchConditions().forEach(c -> matchConditions.add(compile(c.getName(), c.getExpression())));
        spec.getVariables().forEach(v -> variables.add(compile(v.getName(), v.getExpression())));
        spec.getValidations().forEach(v -> validations.add(new Validation(compile("validation", v.getExpression()),
                v.getMessageExpression() == null ? null : compile("messageExpression", v.getMessageExpression()),
                v.getMessage() == null ? "failed expression: " + v.getExpression() : v.getMessage())));
    }

    /** The policy's answer to one request. */
    Decision evaluate(AdmissionInput input) {
        Map<String, Object> variableValues = new LinkedHashMap<>();
        Map<String, Object> activation = input.activation(variableValues);
        for (Compiled condition : matchConditions) {
            if (!(Boolean) condition.eval(activation)) {
                return Decision.allow();
            }
        }
        for (Compiled variable : variables) {
            variableValues.put(variable.name, variable.eval(activation));
        }
        for (Validation validation : validations) {
            if (!(Boolean) validation.expression.eval(activation)) {
                return Decision.refuse(validation.message(activation));
            }
        }
        return Decision.allow();
    }

    /** What kube-apiserver would answer: allowed, or refused with the message the user sees. */
    record Decision(boolean allowed, String message) {
        static Decision allow() {
            return new Decision(true, null);
        }

        static Decision refuse(String message) {
            return new Decision(false, message);
        }
    }

    private static CelStringExtensions kubernetesStrings() {
        EnumSet<CelStringExtensions.Function> functions = EnumSet.allOf(CelStringExtensions.Function.class);
        functions.remove(CelStringExtensions.Function.REVERSE); // a later strings version than Kubernetes offers
        return CelExtensions.strings(functions);
    }

    private static Compiled compile(String name, String expression) {
        try {
            CelAbstractSyntaxTree ast = CEL.compile(expression).getAst();
            return new Compiled(name, expression, CEL.createProgram(ast));
        } catch (CelValidationException | CelEvaluationException e) {
            throw new IllegalArgumentException("expression " + name + " does not compile: " + e.getMessage(), e);
        }
    }

    private record Compiled(String name, String expression, CelRuntime.Program program) {
        Object eval(Map<String, Object> activation) {
            try {
                return program.eval(activation);
            } catch (CelEvaluationException e) {
                throw new IllegalStateException("expression " + name + " failed: " + e.getMessage()
                        + "\n  " + expression, e);
            }
        }
    }

    private record Validation(Compiled expression, Compiled messageExpression, String message) {
        String message(Map<String, Object> activation) {
            if (messageExpression == null) {
                return message;
            }
            Object value = messageExpression.eval(activation);
            return value instanceof String s && !s.isBlank() && !s.contains("\n") ? s : message;
        }
    }
}
