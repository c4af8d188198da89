package io.kovn.cni;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CniMainTest {
    @TempDir
    Path dir;

    private record Outcome(int rc, String out, String err) {
        @SuppressWarnings("unchecked")
        Map<String, Object> json() throws Exception {
            return (Map<String, Object>) Json.parse(out);
        }

        long code() throws Exception {
            return (Long) json().get("code");
        }
    }

    private static Map<String, String> env(String command) {
        Map<String, String> env = new HashMap<>();
        env.put("CNI_COMMAND", command);
        env.put("CNI_CONTAINERID", "0123abcd");
        env.put("CNI_NETNS", "/var/run/netns/p1");
        env.put("CNI_IFNAME", "eth0");
        env.put("CNI_ARGS", "IgnoreUnknown=1;K8S_POD_NAMESPACE=ns1;K8S_POD_NAME=p1");
        return env;
    }

    private String conf(String version) {
        return "{\"cniVersion\":\"" + version + "\",\"name\":\"kovn\",\"type\":\"kovn-cni\",\"serverSocket\":\""
                + dir.resolve("agent.sock") + "\"}";
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> asMap(Object o) {
        return (Map<String, Object>) o;
    }

    private static Outcome run(Map<String, String> env, String stdin) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int rc = CniMain.run(env, new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Outcome(rc, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void versionIsAnsweredWithoutTheAgent() throws Exception {
        Outcome o = run(env("VERSION"), "{\"cniVersion\":\"0.3.1\"}");
        assertThat(o.rc()).isZero();
        assertThat(o.json()).containsEntry("cniVersion", "0.3.1")
                .containsEntry("supportedVersions", java.util.List.of("0.3.1", "0.4.0", "1.0.0", "1.1.0"));
    }

    @Test
    void badEnvironmentIsCode4() throws Exception {
        Map<String, String> e = env("ADD");
        e.remove("CNI_COMMAND");
        assertThat(run(e, conf("1.0.0")).code()).isEqualTo(4);
        for (String var : new String[] {"CNI_CONTAINERID", "CNI_NETNS", "CNI_IFNAME"}) {
            Map<String, String> m = env("ADD");
            m.remove(var);
            Outcome o = run(m, conf("1.0.0"));
            assertThat(o.rc()).isEqualTo(1);
            assertThat(o.code()).as(var).isEqualTo(4);
            assertThat((String) o.json().get("msg")).contains(var);
        }
        Map<String, String> longIf = env("ADD");
        longIf.put("CNI_IFNAME", "a-very-long-ifname");
        assertThat(run(longIf, conf("1.0.0")).code()).isEqualTo(4);
        Map<String, String> noPod = env("ADD");
        noPod.put("CNI_ARGS", "K8S_POD_NAMESPACE=ns1");
        assertThat(run(noPod, conf("1.0.0")).code()).isEqualTo(4);
        Map<String, String> badArgs = env("ADD");
        badArgs.put("CNI_ARGS", "K8S_POD_NAME");
        assertThat(run(badArgs, conf("1.0.0")).code()).isEqualTo(4);
        Map<String, String> badId = env("ADD");
        badId.put("CNI_CONTAINERID", "../etc");
        assertThat(run(badId, conf("1.0.0")).code()).isEqualTo(4);
        assertThat(run(env("FLUSH"), conf("1.0.0")).code()).isEqualTo(4);
    }

    @Test
    void statusAndGcAreCni110Commands() throws Exception {
        Map<String, String> bare = new HashMap<>(Map.of("CNI_COMMAND", "STATUS", "CNI_PATH", "/opt/cni/bin"));
        Outcome old = run(bare, conf("1.0.0"));
        assertThat(old.code()).isEqualTo(1);
        assertThat((String) old.json().get("msg")).contains("STATUS is not defined for cniVersion 1.0.0");
        // no CNI_CONTAINERID, CNI_NETNS, CNI_IFNAME needed; without the agent STATUS says "not available" (50)
        Outcome down = run(bare, conf("1.1.0"));
        assertThat(down.code()).isEqualTo(50);
        assertThat(down.json()).containsEntry("cniVersion", "1.1.0");
        assertThat((String) down.json().get("msg")).contains("not running");

        Map<String, String> gc = new HashMap<>(Map.of("CNI_COMMAND", "GC", "CNI_PATH", "/opt/cni/bin"));
        assertThat(run(gc, conf("0.4.0")).code()).isEqualTo(1);
        String withList = conf("1.1.0").replace("}", ",\"cni.dev/valid-attachments\":[{\"containerID\":\"c1\","
                + "\"ifname\":\"eth0\"}]}");
        assertThat(run(gc, withList).code()).as("the agent is not there: try again later").isEqualTo(11);
        String badList = conf("1.1.0").replace("}", ",\"cni.dev/valid-attachments\":[{\"containerID\":7}]}");
        assertThat(run(gc, badList).code()).isEqualTo(7);
        String notAList = conf("1.1.0").replace("}", ",\"cni.dev/valid-attachments\":\"c1\"}");
        assertThat(run(gc, notAList).code()).isEqualTo(7);
    }

    @Test
    void badConfigIsCode6Or7AndBadVersionCode1() throws Exception {
        assertThat(run(env("ADD"), "").code()).isEqualTo(6);
        assertThat(run(env("ADD"), "{\"cniVersion\":").code()).isEqualTo(6);
        assertThat(run(env("ADD"), "[]").code()).isEqualTo(6);
        assertThat(run(env("ADD"), "{\"name\":\"kovn\",\"type\":\"kovn-cni\"}").code()).isEqualTo(7);
        assertThat(run(env("ADD"), "{\"cniVersion\":\"1.0.0\",\"type\":\"kovn-cni\"}").code()).isEqualTo(7);
        assertThat(run(env("ADD"), "{\"cniVersion\":\"1.0.0\",\"name\":\"kovn\",\"type\":\"kovn-cni\",\"serverSocket\":5}")
                .code()).isEqualTo(7);
        Outcome v = run(env("ADD"), conf("0.2.0"));
        assertThat(v.code()).isEqualTo(1);
        assertThat(v.json()).containsEntry("cniVersion", "1.0.0");
        Outcome check = run(env("CHECK"), conf("0.3.1"));
        assertThat(check.code()).isEqualTo(1);
        assertThat(check.json()).containsEntry("cniVersion", "0.3.1");
    }

    @Test
    void aRequestLargerThanTheAgentTakesIsCode7AndNotSent() throws Exception {
        Map<String, String> e = env("ADD");
        e.put("CNI_ARGS", e.get("CNI_ARGS") + ";PAD=" + "a".repeat(1_200_000));
        String config = conf("1.0.0").replace("}", ",\"pad\":\"" + "b".repeat(1_000_000) + "\"}");
        Outcome o = run(e, config);
        assertThat(o.code()).isEqualTo(7);
        assertThat((String) o.json().get("msg")).contains("more than its limit of " + CniInputs.MAX_REQUEST_BYTES);
    }

    @Test
    void absentAgentIsCode11ButDelSucceeds() throws Exception {
        Outcome add = run(env("ADD"), conf("1.0.0"));
        assertThat(add.code()).isEqualTo(11);
        assertThat((String) add.json().get("msg")).contains("not running", "agent.sock");
        Map<String, String> del = env("DEL");
        del.remove("CNI_NETNS");
        Outcome o = run(del, conf("1.0.0"));
        assertThat(o.rc()).isZero();
        assertThat(o.out()).isEmpty();
        assertThat(o.err()).contains("DEL done without it");
    }

    @Test
    void forwardsToTheAgentAndRelaysItsResultOrError() throws Exception {
        Path sock = dir.resolve("agent.sock");
        AtomicReference<String> seen = new AtomicReference<>();
        AtomicReference<String> answer = new AtomicReference<>("{\"result\":{\"cniVersion\":\"1.0.0\",\"ips\":[]}}");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(sock));
            Thread t = new Thread(() -> {
                while (true) {
                    try (SocketChannel c = server.accept()) {
                        ByteArrayOutputStream req = new ByteArrayOutputStream();
                        ByteBuffer b = ByteBuffer.allocate(4096);
                        while (c.read(b) >= 0) {
                            req.write(b.array(), 0, b.position());
                            b.clear();
                        }
                        seen.set(req.toString(StandardCharsets.UTF_8));
                        c.write(ByteBuffer.wrap(answer.get().getBytes(StandardCharsets.UTF_8)));
                    } catch (Exception e) {
                        return;
                    }
                }
            });
            t.setDaemon(true);
            t.start();

            Outcome ok = run(env("ADD"), conf("1.0.0"));
            assertThat(ok.rc()).isZero();
            assertThat(ok.out()).isEqualTo("{\"cniVersion\":\"1.0.0\",\"ips\":[]}");
            @SuppressWarnings("unchecked")
            Map<String, Object> req = (Map<String, Object>) Json.parse(seen.get());
            assertThat(req).containsEntry("command", "ADD").containsEntry("containerId", "0123abcd")
                    .containsEntry("netns", "/var/run/netns/p1").containsEntry("ifName", "eth0");
            assertThat(asMap(req.get("args"))).containsEntry("K8S_POD_NAME", "p1");
            assertThat(asMap(req.get("config"))).containsEntry("name", "kovn");

            answer.set("{\"error\":{\"code\":11,\"msg\":\"no annotation\",\"details\":\"wait\"}}");
            Outcome err = run(env("ADD"), conf("0.4.0"));
            assertThat(err.rc()).isEqualTo(1);
            assertThat(err.json()).containsEntry("cniVersion", "0.4.0").containsEntry("code", 11L)
                    .containsEntry("msg", "no annotation").containsEntry("details", "wait");

            answer.set("{}");
            Outcome del = run(env("DEL"), conf("1.0.0"));
            assertThat(del.rc()).isZero();
            assertThat(del.out()).isEmpty();

            answer.set("garbage");
            assertThat(run(env("CHECK"), conf("1.0.0")).code()).isEqualTo(100);
        } finally {
            Files.deleteIfExists(sock);
        }
    }
}
