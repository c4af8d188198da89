package io.kovn.sandbox.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs the real kubectl ({@value #KUBECTL}, with its defaults) against a sandbox, each command with a
 * wall-clock bound. The machines that run the end-to-end suite have it: a missing kubectl fails the test,
 * it does not skip it.
 */
final class Kubectl {
    static final String KUBECTL = "/usr/bin/kubectl";
    private static final Duration DEFAULT_BOUND = Duration.ofSeconds(30);

    /** What a command printed (stdout and stderr together) and how it ended. */
    record Result(List<String> args, int exit, String output) {
        boolean ok() {
            return exit == 0;
        }
    }

    private final Path kubeconfig;

    Kubectl(Path kubeconfig) {
        assertThat(Files.isExecutable(Path.of(KUBECTL))).as(KUBECTL + " is needed by this test (scripts/install-deps.sh "
                + "reports whether it is there)").isTrue();
        this.kubeconfig = kubeconfig;
    }

    /** Runs a command that must succeed within the default bound; returns its output. */
    String ok(String... args) {
        return ok(DEFAULT_BOUND, null, args);
    }

    String ok(Duration bound, String stdin, String... args) {
        Result r = run(bound, stdin, args);
        assertThat(r.ok()).as("kubectl %s (exit %d):%n%s", String.join(" ", args), r.exit(), r.output()).isTrue();
        return r.output();
    }

    /** Runs a command within {@code bound} (failing the test if it takes longer); {@code stdin} may be null. */
    Result run(Duration bound, String stdin, String... args) {
        List<String> cmd = new ArrayList<>(List.of(KUBECTL, "--kubeconfig", kubeconfig.toString()));
        cmd.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> read(p.getInputStream()));
            try (var in = p.getOutputStream()) {
                if (stdin != null) {
                    in.write(stdin.getBytes(StandardCharsets.UTF_8));
                }
            }
            boolean ended = p.waitFor(bound.toMillis(), TimeUnit.MILLISECONDS);
            if (!ended) {
                p.destroyForcibly().waitFor();
            }
            String text = out.get(5, TimeUnit.SECONDS);
            assertThat(ended).as("kubectl %s still runs after %s; printed:%n%s", String.join(" ", args), bound, text)
                    .isTrue();
            return new Result(List.of(args), p.exitValue(), text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (Exception e) {
            throw new IllegalStateException("kubectl " + args[0] + ": " + e, e);
        }
    }

    private static String read(InputStream in) {
        try {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(output unreadable: " + e + ")";
        }
    }
}
