package io.kovn.bench;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One timed run of a variant on a fresh NB server: how long writing {@code ports} ports took, in how many
 * transactions, and the port count the verification found afterwards; {@code details} go into the JSON as is.
 */
record Run(double ms, int ports, int transactions, int verifiedPorts, Map<String, Object> details) {
    Run {
        details = Collections.unmodifiableMap(new LinkedHashMap<>(details));
    }
}
