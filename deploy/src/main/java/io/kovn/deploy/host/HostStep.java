package io.kovn.deploy.host;

import java.util.List;

/** One step of a host install: a file written, or a command run (argv, never a shell line). */
public sealed interface HostStep {
    /** What {@code --dry-run} prints for this step. */
    String describe();

    /** Writes {@code content} to {@code path} with permissions {@code mode} (e.g. 0600 for files with secrets). */
    record WriteFile(String path, String content, int mode) implements HostStep {
        @Override
        public String describe() {
            return "write " + path + " (mode " + Integer.toOctalString(mode) + "):\n"
                    + content.indent(4).stripTrailing();
        }
    }

    /** Runs a command; the install stops if it fails. */
    record Run(List<String> argv) implements HostStep {
        public Run {
            argv = List.copyOf(argv);
        }

        @Override
        public String describe() {
            return "run " + String.join(" ", argv);
        }
    }
}
