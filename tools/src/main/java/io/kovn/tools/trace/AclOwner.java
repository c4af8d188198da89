package io.kovn.tools.trace;

import io.kovn.ovn.Owners;
import java.util.Map;

/**
 * A kovn ACL as NB holds it, with what its external_ids say it stands for: a NetworkPolicy's rule
 * ({@code ingress/0}) or a namespace's isolation ({@code default-deny-ingress}, {@code node-management}).
 */
public record AclOwner(String direction, long priority, String match, String action, Map<String, String> externalIds) {

    public String ownerType() {
        return externalIds.getOrDefault(Owners.OWNER_TYPE, "");
    }

    public String owner() {
        return externalIds.getOrDefault(Owners.OWNER, "");
    }

    /** The rule, or "" for an ACL written before kovn named rules. */
    public String rule() {
        return externalIds.getOrDefault(Owners.RULE, "");
    }

    /** A namespace's drop of what no policy allows. */
    public boolean isDefaultDeny() {
        return Owners.TYPE_NAMESPACE.equals(ownerType()) && (rule().equals(Owners.RULE_DEFAULT_DENY_INGRESS)
                || rule().equals(Owners.RULE_DEFAULT_DENY_EGRESS));
    }

    /** "NetworkPolicy demo/deny-all, rule ingress/0" or "namespace demo isolation (default-deny-ingress)". */
    public String describe() {
        if (Owners.TYPE_NETWORK_POLICY.equals(ownerType())) {
            return "NetworkPolicy " + owner() + (rule().isEmpty() ? "" : ", rule " + rule());
        }
        if (Owners.TYPE_NAMESPACE.equals(ownerType())) {
            String why = switch (rule()) {
                case Owners.RULE_DEFAULT_DENY_INGRESS -> "ingress isolated by a NetworkPolicy, no rule allows it";
                case Owners.RULE_DEFAULT_DENY_EGRESS -> "egress isolated by a NetworkPolicy, no rule allows it";
                case Owners.RULE_NODE_MANAGEMENT -> "the nodes' management ports (kubelet probes) are allowed";
                default -> rule();
            };
            return "namespace " + owner() + " isolation (" + why + ")";
        }
        return ownerType() + " " + owner();
    }

    /**
     * Whether a logical flow of {@code stage} with {@code flowMatch} is this ACL's: northd puts the ACL's match in
     * parentheses into the flow's match, in the {@code ls_out_acl*} stages for to-lport and {@code ls_in_acl*}
     * for from-lport.
     */
    boolean madeFlow(String stage, String flowMatch) {
        boolean out = stage.startsWith("ls_out_acl");
        boolean in = stage.startsWith("ls_in_acl");
        if (!(out && direction.equals("to-lport") || in && direction.equals("from-lport")) || stage.contains("hint")) {
            return false;
        }
        return flowMatch.contains("(" + match + ")");
    }
}
