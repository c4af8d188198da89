package io.kovn.sandbox.proc;

import io.kovn.node.NodeJvm;
import io.kovn.node.NodeMain;
import java.io.File;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Command lines for the sandbox's own JVMs (supervisor, controller, node agents, echo servers): the same java
 * and the same class path as this JVM, with options that favour start-up and a small footprint over peak speed
 * (2 cores run all of them).
 */
public final class JavaCommand {
    /** C1 only, serial GC: a JVM that starts fast and stays small. */
    private static final List<String> LEAN = List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xss512k",
            "-XX:-UsePerfData", "-Xshare:auto");

    private JavaCommand() {
    }

    public static String java() {
        return ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }

    /**
     * The node agent ({@code kovn node}'s main class) as the sandbox runs it: the lean options, a 192 MiB heap cap,
     * the agent's own JVM options ({@link NodeJvm}, which the manifests use too), then {@code jvmOptions}.
     */
    public static List<String> nodeAgent(List<String> jvmOptions, List<String> args) {
        return nodeAgent(jvmOptions, NodeMain.class, args);
    }

    /** The same JVM running {@code mainClass}: {@code kovn}'s own, as the DaemonSet and the systemd unit start it. */
    public static List<String> nodeAgent(List<String> jvmOptions, Class<?> mainClass, List<String> args) {
        List<String> options = new ArrayList<>(NodeJvm.OPTIONS);
        options.addAll(jvmOptions);
        return of("192m", options, mainClass, args);
    }

    /** {@code java LEAN heap extra -cp <this JVM's class path> mainClass args}. */
    public static List<String> of(String heap, List<String> jvmOptions, Class<?> mainClass, List<String> args) {
        return of(heap, jvmOptions, System.getProperty("java.class.path"), mainClass, args);
    }

    public static List<String> of(String heap, List<String> jvmOptions, String classPath, Class<?> mainClass,
                                  List<String> args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(java());
        cmd.addAll(LEAN);
        cmd.add("-Xmx" + heap);
        cmd.addAll(jvmOptions);
        cmd.add("-cp");
        cmd.add(classPath);
        cmd.add(mainClass.getName());
        cmd.addAll(args);
        return cmd;
    }

    /** Where {@code type} was loaded from (a jar or a classes directory): a class path of just that. */
    public static String codeSourceOf(Class<?> type) {
        try {
            return new File(type.getProtectionDomain().getCodeSource().getLocation().toURI()).getPath();
        } catch (URISyntaxException | NullPointerException e) {
            return System.getProperty("java.class.path");
        }
    }
}
