package io.kovn.tools.topology;

import io.kovn.controller.ControllerOptions;
import io.kovn.ovn.Databases;
import io.kovn.ovn.config.Configuration;
import io.kovn.ovn.config.OptionSet;
import io.kovn.ovn.config.OvsdbRemoteOptions;
import io.kovn.ovn.config.ProgramCommand;
import io.kovn.ovn.ops.NbTables;
import io.kovn.ovsdb.client.OvsdbClient;
import io.kovn.tools.ToolOptions;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/** {@code kovn topology [--format json|dot|svg]}: the logical network from NB; SVG through Graphviz's dot. */
public final class TopologyCommand {
    public static final OptionSet SET = OptionSet.of("topology",
            "Print the logical network NB holds: the cluster router, the join switch, node switches with subnet and "
                    + "pod count, gateway routers and external networks; JSON, Graphviz dot, or SVG (needs `dot`, "
                    + "Debian package graphviz).", ControllerOptions.NB.all());
    private static final int MAX_SVG = 16 << 20;

    public enum Format { JSON, DOT, SVG }

    private TopologyCommand() {
    }

    public static CommandLine command() {
        OptionSpec format = OptionSpec.builder("--format").type(String.class).paramLabel("json|dot|svg")
                .defaultValue("json").description("output format (default: json)").build();
        CommandLine cl = ProgramCommand.commandLine(SET, c -> run(c, format.getValue()));
        cl.getCommandSpec().addOption(format);
        return cl;
    }

    private static int run(Configuration c, String formatText) throws Exception {
        Format format;
        try {
            format = Format.valueOf(formatText.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            System.err.println("kovn topology: --format is json, dot or svg");
            return ProgramCommand.CONFIG_ERROR;
        }
        Topology t = read(ControllerOptions.NB.connection(c));
        switch (format) {
            case JSON -> System.out.println(ToolOptions.JSON.writeValueAsString(t));
            case DOT -> System.out.print(t.dot());
            case SVG -> System.out.print(svg(t.dot()));
        }
        return 0;
    }

    public static Topology read(OvsdbRemoteOptions.Connection nb) throws Exception {
        try (OvsdbClient client = new OvsdbClient(nb.remotes(), nb.clientOptions()).connectSync()) {
            return Topology.of(client.replicate(Databases.NORTHBOUND, NbTables.monitorSpec()).get(30, TimeUnit.SECONDS));
        }
    }

    /** Graphviz's rendering of {@code dot}; fails naming the package when it is not installed. */
    public static String svg(String dot) throws IOException, InterruptedException {
        Process p;
        try {
            p = new ProcessBuilder(List.of("dot", "-Tsvg")).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        } catch (IOException e) {
            throw new IOException("--format svg needs Graphviz's `dot` (Debian: apt-get install graphviz); "
                    + "--format dot prints its input", e);
        }
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> read(p.getInputStream()));
        try (OutputStream in = p.getOutputStream()) {
            in.write(dot.getBytes(StandardCharsets.UTF_8));
        }
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IOException("dot failed or took longer than 60 s");
            }
            return out.get(5, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new IOException("cannot read dot's output", e);
        } finally {
            p.destroyForcibly();
        }
    }

    private static String read(InputStream in) {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        byte[] chunk = new byte[65536];
        try (in) {
            int n;
            while ((n = in.read(chunk)) > 0) {
                if (buf.size() + n > MAX_SVG) {
                    throw new IllegalStateException("dot wrote more than " + MAX_SVG + " bytes");
                }
                buf.write(chunk, 0, n);
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return buf.toString(StandardCharsets.UTF_8);
    }
}
