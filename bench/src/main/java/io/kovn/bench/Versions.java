package io.kovn.bench;

import io.kovn.testing.Exec;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/** Versions of everything the figures depend on, for the report. */
final class Versions {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private Versions() {
    }

    static Map<String, String> collect(PythonIdlVariant.Interpreter python) {
        Map<String, String> v = new LinkedHashMap<>();
        v.put("kovn", kovnVersion());
        v.put("java", System.getProperty("java.runtime.version"));
        v.put("ovsdb_server", lastWord(firstLine(run(sbin("ovsdb-server"), "--version"), "ovsdb-server")));
        String nbctl = run("ovn-nbctl", "--version");
        v.put("ovn_nbctl", lastWord(firstLine(nbctl, "ovn-nbctl")));
        v.put("ovs_library", lastWord(firstLine(nbctl, "Open vSwitch Library")));
        v.put("nb_schema", lastWord(firstLine(nbctl, "DB Schema")));
        v.put("python_ovs", python.available() ? python.ovsVersion() : "not installed");
        v.put("python", python.available() ? lastWord(run(python.path(), "--version")) + " (" + python.path() + ")"
                : "n/a");
        return v;
    }

    private static String kovnVersion() {
        Properties p = new Properties();
        try (InputStream in = Versions.class.getResourceAsStream("bench.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            // reported as unknown
        }
        return p.getProperty("kovn.version", "unknown");
    }

    /** ovsdb-server lives in /usr/sbin, which a non-root PATH often lacks. */
    private static String sbin(String name) {
        for (String dir : List.of("/usr/sbin", "/sbin")) {
            if (Files.isExecutable(Path.of(dir, name))) {
                return Path.of(dir, name).toString();
            }
        }
        return name;
    }

    private static String run(String... cmd) {
        try {
            Exec.Result r = Exec.run(TIMEOUT, cmd);
            return r.ok() ? r.out() : "";
        } catch (Exec.ExecException e) {
            return "";
        }
    }

    private static String firstLine(String text, String prefix) {
        return text.lines().filter(l -> l.startsWith(prefix)).findFirst().orElse("unknown");
    }

    private static String lastWord(String line) {
        String[] words = line.strip().split("\\s+");
        return words[words.length - 1];
    }
}
