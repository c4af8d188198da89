package io.kovn.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A real OpenStack neutron-server with the ML2/OVN driver writing into a given OVN NB and SB, for underlay mode's
 * Neutron back end (docs/underlay.md; recipe in the shared notes, package python3-neutron): no Keystone
 * ({@code auth_strategy = noauth}: every request without a project header is admin), no RabbitMQ (fake transport),
 * sqlite (in WAL mode and with a long busy timeout: neutron-server's workers write it concurrently, and with the
 * default 5 s a loaded machine gets "database is locked" 500s), the schema made from Neutron's models and stamped, {@code neutron_sync_mode = off} so Neutron repairs no row
 * it does not know. It listens on a free loopback port. The NB and SB must be up first (neutron-server exits without
 * its SB). {@link #close()} stops the server by its pid (its workers exit with it) and removes its directory.
 */
public final class NeutronServer implements AutoCloseable {
    private static final String PYTHON = "/usr/bin/python3";
    private static final Duration STEP = Duration.ofSeconds(120);

    private final Path dir;
    private final int port;
    private final ChildDaemon server;
    private final Duration coldStart;

    private NeutronServer(Path dir, int port, ChildDaemon server, Duration coldStart) {
        this.dir = dir;
        this.port = port;
        this.server = server;
        this.coldStart = coldStart;
    }

    /** Whether python3-neutron is installed (scripts/install-deps.sh installs it). */
    public static boolean installed() {
        return Files.isDirectory(Path.of("/usr/lib/python3/dist-packages/neutron"));
    }

    /**
     * Starts neutron-server against NB {@code nbRemote} and SB {@code sbRemote} (OVSDB remotes such as
     * {@code unix:/path} or {@code tcp:ip:port}), in a new directory under {@code parent}, and waits until its API
     * answers.
     */
    public static NeutronServer start(Path parent, String nbRemote, String sbRemote, Duration timeout) {
        if (!installed()) {
            throw new IllegalStateException("python3-neutron is not installed (scripts/install-deps.sh installs it)");
        }
        long t0 = System.nanoTime();
        try {
            Path dir = Files.createTempDirectory(parent, "neutron-");
            Files.createDirectories(dir.resolve("log"));
            Files.createDirectories(dir.resolve("lock"));
            int port = freePort();
            Files.writeString(dir.resolve("neutron.conf"), conf(dir, port, nbRemote, sbRemote));
            Files.writeString(dir.resolve("api-paste.ini"), API_PASTE);
            Exec.run(STEP, PYTHON, "-c", "import sys, sqlalchemy as sa\n"
                    + "from neutron.db.migration.models import head\n"
                    + "head.get_metadata().create_all(sa.create_engine('sqlite:///%s/neutron.sqlite' % sys.argv[1]))\n"
                    + "import sqlite3\n"
                    + "sqlite3.connect('%s/neutron.sqlite' % sys.argv[1]).execute('PRAGMA journal_mode=WAL')",
                    dir.toString()).check();
            Exec.run(STEP, PYTHON, "-c", "import sys; from neutron.db.migration.cli import main; "
                    + "sys.argv[0]='neutron-db-manage'; main()", "--config-file", dir.resolve("neutron.conf").toString(),
                    "stamp", "heads").check();
            Path log = dir.resolve("log/server.log");
            ChildDaemon server = ChildDaemon.start("neutron-server", List.of(PYTHON, "-c",
                    "import sys; from neutron.cmd.eventlet.server import main; sys.argv[0]='neutron-server'; "
                            + "sys.exit(main())", "--config-file", dir.resolve("neutron.conf").toString(),
                    "--log-file", log.toString()), Map.of(), dir, log);
            try {
                server.await("its API answering", timeout, () -> answers(port));
            } catch (RuntimeException e) {
                stop(server);
                Cleanup.deleteTree(dir);
                throw e;
            }
            return new NeutronServer(dir, port, server, Duration.ofNanos(System.nanoTime() - t0));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The API endpoint, without {@code /v2.0}. */
    public URI url() {
        return URI.create("http://127.0.0.1:" + port);
    }

    /** From the schema's creation to the API's first answer. */
    public Duration coldStart() {
        return coldStart;
    }

    public long pid() {
        return server.process.pid();
    }

    public Path dir() {
        return dir;
    }

    /** The last {@code lines} lines of neutron-server's log (its tracebacks say why an answer was a 500). */
    public String logTail(int lines) {
        try {
            List<String> all = Files.readAllLines(dir.resolve("log/server.log"));
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    private static boolean answers(int port) {
        try {
            HttpURLConnection c = (HttpURLConnection) URI.create("http://127.0.0.1:" + port + "/v2.0/networks").toURL()
                    .openConnection();
            c.setConnectTimeout(500);
            c.setReadTimeout(5000);
            try {
                return c.getResponseCode() == 200;
            } finally {
                c.disconnect();
            }
        } catch (IOException e) {
            return false;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static String conf(Path d, int port, String nb, String sb) {
        return """
                [DEFAULT]
                core_plugin = ml2
                service_plugins = ovn-router,trunk
                auth_strategy = noauth
                api_paste_config = %1$s/api-paste.ini
                bind_host = 127.0.0.1
                bind_port = %2$d
                api_workers = 1
                rpc_workers = 0
                rpc_state_report_workers = 0
                transport_url = fake:/
                state_path = %1$s
                notify_nova_on_port_status_changes = false
                notify_nova_on_port_data_changes = false
                allow_overlapping_ips = true
                log_dir = %1$s/log
                [database]
                connection = sqlite:///%1$s/neutron.sqlite?timeout=120
                [oslo_concurrency]
                lock_path = %1$s/lock
                [ml2]
                mechanism_drivers = ovn
                type_drivers = geneve,vlan,flat
                tenant_network_types = geneve
                extension_drivers = port_security
                overlay_ip_version = 4
                [ml2_type_geneve]
                vni_ranges = 1:65536
                max_header_size = 38
                [ml2_type_vlan]
                network_vlan_ranges = physnet
                [ml2_type_flat]
                flat_networks = physnet
                [securitygroup]
                enable_security_group = true
                [ovn]
                ovn_nb_connection = %3$s
                ovn_sb_connection = %4$s
                ovn_l3_scheduler = leastloaded
                ovn_metadata_enabled = false
                neutron_sync_mode = off
                """.formatted(d, port, nb, sb);
    }

    private static final String API_PASTE = """
            [composite:neutron]
            use = egg:Paste#urlmap
            /v2.0: neutronapi_v2_0
            [composite:neutronapi_v2_0]
            use = call:neutron.auth:pipeline_factory
            noauth = request_id fake_project_id catch_errors extensions neutronapiapp_v2_0
            [filter:request_id]
            paste.filter_factory = oslo_middleware:RequestId.factory
            [filter:catch_errors]
            paste.filter_factory = oslo_middleware:CatchErrors.factory
            [filter:fake_project_id]
            paste.filter_factory = neutron.auth:NoauthFakeProjectId.factory
            [filter:extensions]
            paste.filter_factory = neutron.api.extensions:plugin_aware_extension_middleware_factory
            [app:neutronapiapp_v2_0]
            paste.app_factory = neutron.api.v2.router:APIRouter.factory
            """;

    /** Stops neutron-server and its workers by their pids and removes its directory. */
    @Override
    public void close() {
        stop(server);
        Cleanup.deleteTree(dir);
    }

    /** SIGTERM to the server (it stops its workers), then any worker it left is killed by its own pid. */
    private static void stop(ChildDaemon server) {
        List<ProcessHandle> workers = server.process.descendants().toList();
        server.stop();
        for (ProcessHandle w : workers) {
            if (w.isAlive()) {
                w.destroyForcibly();
            }
        }
    }
}
