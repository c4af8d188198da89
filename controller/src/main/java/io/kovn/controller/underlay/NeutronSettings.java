package io.kovn.controller.underlay;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * Where the Neutron back end finds the cloud's Neutron API ({@code --neutron-url}, the endpoint without the
 * {@code /v2.0} suffix) and how it authenticates: with Neutron's {@code noauth} strategy a project header
 * ({@code --neutron-project}, sent as {@code X-Project-Id}), or a Keystone token read from a file
 * ({@code --neutron-token-file}, sent as {@code X-Auth-Token}; read again on every request, so whoever renews it
 * only rewrites the file). {@code timeout} bounds each HTTP request.
 */
public record NeutronSettings(URI url, Optional<String> project, Optional<Path> tokenFile, Duration timeout) {
    public NeutronSettings {
        if (!"http".equals(url.getScheme()) && !"https".equals(url.getScheme()) || url.getHost() == null) {
            throw new IllegalArgumentException("Neutron URL " + url + " is not an http(s) URL with a host");
        }
        if (project.isPresent() && !project.get().matches("[A-Za-z0-9_-]{1,64}")) {
            throw new IllegalArgumentException("Neutron project " + project.get() + " is not 1-64 letters, digits, '_', '-'");
        }
        if (project.isPresent() && tokenFile.isPresent()) {
            throw new IllegalArgumentException("give a Neutron project (noauth) or a token file (Keystone), not both");
        }
    }
}
