package io.kovn.deploy;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** The manifests kovn ships, read from this module's resources so a manifest generator can emit them verbatim. */
public final class DeployResources {
    /**
     * A ValidatingAdmissionPolicy and its binding (one multi-document YAML file, for {@code kubectl apply -f}) that
     * refuse changes to {@code k8s.ovn.org/} pod and node annotations by anyone but kovn's service accounts.
     */
    public static final String ANNOTATION_POLICY = "/io/kovn/deploy/annotation-policy.yaml";

    private DeployResources() {
    }

    /** The text of a resource named by one of the constants above. */
    public static String read(String resource) {
        try (InputStream in = DeployResources.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalArgumentException("no resource " + resource + " in kovn-deploy");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + resource, e);
        }
    }
}
