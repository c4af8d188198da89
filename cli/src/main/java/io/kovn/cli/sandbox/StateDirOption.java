package io.kovn.cli.sandbox;

import io.kovn.sandbox.SandboxConfig;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Where a sandbox keeps its state: {@code --state-dir}, else $KOVN_SANDBOX_DIR, else /run/kovn-sandbox. */
final class StateDirOption {
    @Option(names = "--state-dir", paramLabel = "DIR",
            description = "the sandbox's state directory (default: $KOVN_SANDBOX_DIR or /run/kovn-sandbox)")
    Path stateDir;

    Path get() {
        if (stateDir != null) {
            return stateDir;
        }
        String env = System.getenv("KOVN_SANDBOX_DIR");
        return env != null && !env.isBlank() ? Path.of(env) : SandboxConfig.DEFAULT_STATE_DIR;
    }
}
