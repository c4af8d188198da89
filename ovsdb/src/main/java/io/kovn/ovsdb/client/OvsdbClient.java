package io.kovn.ovsdb.client;

import io.kovn.ovsdb.replica.DatabaseReplica;
import io.kovn.ovsdb.schema.DatabaseSchema;
import io.kovn.ovsdb.wire.Operation;
import io.kovn.ovsdb.wire.OvsdbJson;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.databind.json.JsonMapper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A connection to one OVSDB server (RFC 7047 plus the monitor_cond / monitor_cond_since extensions of OVS).
 *
 * <p>Every call returns a future and has a timeout; calls made while disconnected wait for the connection
 * within that timeout. Replies and update notifications are handled, in the order they arrived, on one
 * notification thread per client, never on the I/O thread; callbacks chained on the futures should not block.
 * The client reconnects by itself with exponential back-off, trying the remotes in turn, and brings every
 * replica back in sync (with monitor_cond_since and the last transaction id where the server has it).
 *
 * <p>After a reconnect, requests wait until every replica is back in sync: a transaction computed from a replica
 * that missed the server's last changes goes out only once they are in (NB rows without a unique index still
 * need a guard in the transaction itself, see {@code ovn/ops}). The back-off starts over only once a connection
 * proved healthy (a well-formed message at least the current back-off after it came up, the rule of OVS's
 * reconnect.c), so a server that accepts and closes, or answers with garbage, is not hammered.
 *
 * <p>Every connection first reads and monitors {@code _Server}: with {@link Options#leaderOnly()} (the default) a
 * clustered database is used only through its leader, and any member cut off from its cluster or behind what the
 * client saw is left for the next remote; see docs/ha.md. A transaction whose reply was lost with its connection
 * fails with {@link TransactionOutcomeUnknownException} and is never sent again by the client.
 *
 * <p>Memory is bounded: messages from the server by {@link Options#maxFrameBytes()}, the Netty write buffer by
 * {@link Options#writeBufferBytes()} and the requests waiting for the connection by
 * {@link Options#maxQueuedBytes()}; a request that would pass that fails with
 * {@link OvsdbBackpressureException}, and a connection the server stops reading from is dropped after the
 * inactivity probe interval.
 */
public final class OvsdbClient implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(OvsdbClient.class);
    private static final String ZERO_UUID = "00000000-0000-0000-0000-000000000000";
    /** The id of every connection's monitor of {@code _Server}; data monitors are "kovn-N". */
    private static final String SERVER_MONITOR = "kovn-server";
    /**
     * The longest wait before another round over the remotes when one of them answered but would not do (a
     * follower, an election going on): that clears up in a second or two, unlike a server that is down.
     */
    private static final long SKIPPED_ROUND_MAX_MS = 500;
    private static final EventLoopGroup IO = new MultiThreadIoEventLoopGroup(2,
            new DefaultThreadFactory("ovsdb-io", true), EpollIoHandler.newFactory());
    private static final ScheduledExecutorService TIMERS = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "ovsdb-timers");
        t.setDaemon(true);
        return t;
    });
    private static final AtomicInteger CLIENT_IDS = new AtomicInteger();

    private final List<Remote> remotes;
    private final Options options;
    private final SslContextSource sslContext;
    private final String name;
    private final ExecutorService dispatcher;
    private final AtomicLong ids = new AtomicLong();
    private final Map<Long, Pending<?>> pending = new ConcurrentHashMap<>();
    private final Map<String, DatabaseSchema> schemas = new ConcurrentHashMap<>();
    private final Map<String, Monitor> monitors = new ConcurrentHashMap<>();
    private final AtomicInteger monitorIds = new AtomicInteger();
    private final CompletableFuture<Void> firstConnect = new CompletableFuture<>();
    private final JsonMapper mapper;
    private final Outbox outbox;
    private final Backoff backoff;
    private volatile CompletableFuture<Channel> channel = new CompletableFuture<>();
    /** The connection once its replicas are in sync, null before: only then are queued requests sent. */
    private volatile Channel readyChannel;
    private volatile Remote connectedTo;
    private volatile boolean started;
    private volatile boolean closed;
    private int failures;
    private int triedThisRound;
    private int remoteIndex;
    private boolean skippedThisRound;
    /** Why the last connection attempt failed, for connectSync's error. */
    private volatile Throwable lastConnectFailure;
    /** Notification thread only: the connection dropped because of a bad update, whose later updates are moot. */
    private Channel droppedForBadUpdate;
    private final ClientStats stats = new ClientStats();
    /** Databases this client used (schema fetched): the ones whose _Server row decides whether a server will do. */
    private final Set<String> usedDbs = ConcurrentHashMap.newKeySet();
    /** Per clustered database: the highest RAFT index seen, the cluster id and the leader's server id. */
    private final Map<String, Long> minIndex = new ConcurrentHashMap<>();
    private final Map<String, String> clusterIds = new ConcurrentHashMap<>();
    private final Map<String, String> leaderSids = new ConcurrentHashMap<>();
    /** The current connection's view of _Server; null for a server without it. */
    private volatile ServerView serverView;
    /** The connection closed because its server is not usable: its loss moves to the next remote. */
    private volatile Channel skipped;
    /** Why each remote is not in use, for {@link #problem()}. */
    private final Map<Remote, String> remoteProblems = new ConcurrentHashMap<>();
    private volatile boolean everReady;
    /** When the last ready connection was lost, while no other is ready; -1 otherwise. */
    private volatile long unavailableSinceNanos = -1;

    /**
     * Connection settings; every field has a sensible default.
     *
     * @param inactivityProbe  an idle connection is probed after this long and dropped after twice as long
     *                         without an answer; a connection that stays unwritable this long is dropped too.
     *                         Zero disables both.
     * @param maxFrameBytes    the largest message accepted from the server; a larger one drops the connection.
     *                         A JSON string in a message may hold at most a quarter as many characters: Jackson
     *                         keeps strings as 2-byte chars and copies them once, so a frame-sized string would
     *                         need several frames of heap.
     * @param writeBufferBytes Netty's high water mark for the connection's write buffer (low: half of it)
     * @param maxQueuedBytes   requests waiting for a ready, writable connection; past it requests fail with
     *                         {@link OvsdbBackpressureException}
     */
    public record Options(Duration callTimeout, Duration inactivityProbe, Duration connectTimeout,
                          Duration minBackoff, Duration maxBackoff, int maxFrameBytes, int writeBufferBytes,
                          long maxQueuedBytes, TlsConfig tls, boolean leaderOnly, Duration unavailableAfter) {
        public static final int DEFAULT_MAX_FRAME_BYTES = 64 << 20;

        /** leaderOnly on, as ovsdb-idl's default: writers want the leader; readers may turn it off. */
        public static Options defaults() {
            return new Options(Duration.ofSeconds(30), Duration.ofSeconds(5), Duration.ofSeconds(5),
                    Duration.ofMillis(100), Duration.ofSeconds(8), DEFAULT_MAX_FRAME_BYTES, 4 << 20, 16 << 20, null,
                    true, Duration.ofSeconds(5));
        }

        public Options {
            if (maxFrameBytes < 1024 || writeBufferBytes < 2 || maxQueuedBytes < 1) {
                throw new IllegalArgumentException("OVSDB client limits too small: frame " + maxFrameBytes
                        + " bytes (at least 1024), write buffer " + writeBufferBytes + ", queue " + maxQueuedBytes);
            }
        }

        public Options withCallTimeout(Duration d) {
            return new Options(d, inactivityProbe, connectTimeout, minBackoff, maxBackoff, maxFrameBytes,
                    writeBufferBytes, maxQueuedBytes, tls, leaderOnly, unavailableAfter);
        }

        /** Zero disables the probe. */
        public Options withInactivityProbe(Duration d) {
            return new Options(callTimeout, d, connectTimeout, minBackoff, maxBackoff, maxFrameBytes,
                    writeBufferBytes, maxQueuedBytes, tls, leaderOnly, unavailableAfter);
        }

        public Options withBackoff(Duration min, Duration max) {
            return new Options(callTimeout, inactivityProbe, connectTimeout, min, max, maxFrameBytes,
                    writeBufferBytes, maxQueuedBytes, tls, leaderOnly, unavailableAfter);
        }

        public Options withTls(TlsConfig t) {
            return new Options(callTimeout, inactivityProbe, connectTimeout, minBackoff, maxBackoff, maxFrameBytes,
                    writeBufferBytes, maxQueuedBytes, t, leaderOnly, unavailableAfter);
        }

        public Options withMaxFrameBytes(int n) {
            return new Options(callTimeout, inactivityProbe, connectTimeout, minBackoff, maxBackoff, n,
                    writeBufferBytes, maxQueuedBytes, tls, leaderOnly, unavailableAfter);
        }

        /** The write buffer's high water mark and the bound of the queue of requests waiting for it. */
        public Options withWriteLimits(int bufferBytes, long queuedBytes) {
            return new Options(callTimeout, inactivityProbe, connectTimeout, minBackoff, maxBackoff, maxFrameBytes,
                    bufferBytes, queuedBytes, tls, leaderOnly, unavailableAfter);
        }

        /**
         * On (the default): use a clustered database only through its leader, moving on to another remote when the
         * server is a follower or loses the lead. Off: any member connected to its cluster will do (readers).
         */
        public Options withLeaderOnly(boolean on) {
            return new Options(callTimeout, inactivityProbe, connectTimeout, minBackoff, maxBackoff, maxFrameBytes,
                    writeBufferBytes, maxQueuedBytes, tls, on, unavailableAfter);
        }

        /**
         * Once the client has lost its server and found no usable one for this long, calls fail at once with
         * {@link OvsdbUnavailableException} (naming why each remote is not usable) instead of waiting for their
         * timeout; a leader election is shorter than the default 5 s, a lost quorum is not.
         */
        public Options withUnavailableAfter(Duration d) {
            return new Options(callTimeout, inactivityProbe, connectTimeout, minBackoff, maxBackoff, maxFrameBytes,
                    writeBufferBytes, maxQueuedBytes, tls, leaderOnly, d);
        }
    }

    public OvsdbClient(String remotes) {
        this(remotes, Options.defaults());
    }

    public OvsdbClient(String remotes, Options options) {
        this.remotes = Remote.parseList(remotes);
        this.options = options;
        this.name = "ovsdb-" + CLIENT_IDS.incrementAndGet();
        this.dispatcher = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, name + "-notify");
            t.setDaemon(true);
            return t;
        });
        boolean needsTls = this.remotes.stream().anyMatch(r -> r.kind() == Remote.Kind.SSL);
        if (needsTls && options.tls() == null) {
            throw new IllegalArgumentException("ssl: remote " + remotes
                    + " needs a private key, certificate and CA certificate");
        }
        this.sslContext = needsTls ? new SslContextSource(options.tls()) : null;
        this.mapper = JsonMapper.builder(JsonFactory.builder().streamReadConstraints(StreamReadConstraints.builder()
                .maxStringLength(options.maxFrameBytes() / 4).build()).build()).build();
        this.outbox = new Outbox(options.maxQueuedBytes());
        this.backoff = new Backoff(options.minBackoff().toMillis(), options.maxBackoff().toMillis());
    }

    /** Connects (once; later reconnects are automatic). Completes when the first connection is up. */
    public CompletableFuture<Void> connect() {
        synchronized (this) {
            if (!started) {
                started = true;
                attempt();
            }
        }
        return firstConnect;
    }

    /** Connects and waits for it, failing after the call timeout. */
    public OvsdbClient connectSync() {
        try {
            connect().get(options.callTimeout().toMillis(), TimeUnit.MILLISECONDS);
            return this;
        } catch (java.util.concurrent.TimeoutException e) {
            Throwable last = lastConnectFailure;
            throw new OvsdbConnectionException("could not connect to " + remotes + " within " + options.callTimeout()
                    + (last == null ? "" : "; last error: " + describe(last)), last);
        } catch (Exception e) {
            throw new OvsdbConnectionException("could not connect to " + remotes, e);
        }
    }

    /** Connected, and every replica in sync with the server. */
    public boolean isConnected() {
        Channel ch = readyChannel;
        return ch != null && ch.isActive();
    }

    /** The remote of the current connection, or null. */
    public Remote connectedRemote() {
        return connectedTo;
    }

    public Options options() {
        return options;
    }

    /** Counters of reconnects, leader changes and resyncs, for metrics. */
    public ClientStats stats() {
        return stats;
    }

    /**
     * Null while connected and in sync; otherwise why not, naming each remote's last problem (refused, a follower,
     * cut off from its cluster...), for health checks.
     */
    public String problem() {
        if (isConnected()) {
            return null;
        }
        StringJoiner why = new StringJoiner("; ");
        for (Remote r : remotes) {
            why.add(r + ": " + remoteProblems.getOrDefault(r, "not tried yet"));
        }
        return "not connected: " + why;
    }

    /** For a timed-out call's message: why there was no usable connection, or nothing while connected. */
    private String whyNotConnected() {
        String problem = problem();
        return problem == null ? "" : " (" + problem + ")";
    }

    // ---------------------------------------------------------------- RPC methods

    public CompletableFuture<List<String>> listDbs() {
        return call("list_dbs", OvsdbJson.NODES.arrayNode(), options.callTimeout(), r -> {
            List<String> dbs = new ArrayList<>();
            r.forEach(n -> dbs.add(n.asString()));
            return dbs;
        });
    }

    /** The schema of {@code db}, fetched once per connection and cached. */
    public CompletableFuture<DatabaseSchema> getSchema(String db) {
        if (usedDbs.add(db)) {
            recheckServer();
        }
        DatabaseSchema cached = schemas.get(db);
        if (cached != null) {
            return CompletableFuture.completedFuture(cached);
        }
        return call("get_schema", OvsdbJson.NODES.arrayNode().add(db), options.callTimeout(), r -> {
            DatabaseSchema s = DatabaseSchema.parse(r);
            schemas.put(db, s);
            return s;
        });
    }

    public CompletableFuture<Void> echo() {
        return call("echo", OvsdbJson.NODES.arrayNode().add("kovn"), options.callTimeout(), r -> null);
    }

    public CompletableFuture<TransactResult> transact(String db, Operation... operations) {
        return transact(db, List.of(operations));
    }

    /**
     * Runs {@code operations} as one transaction. Fails with {@link TransactionException} when the server
     * refuses it (nothing is applied then). Cancelling the returned future sends a {@code cancel} request.
     */
    public CompletableFuture<TransactResult> transact(String db, List<Operation> operations) {
        if (unavailableLongEnough()) {
            return CompletableFuture.failedFuture(new OvsdbUnavailableException("transact not sent: " + problem()));
        }
        return getSchema(db).thenCompose(schema -> {
            ArrayNode params = OvsdbJson.NODES.arrayNode().add(db);
            operations.forEach(op -> params.add(op.toJson()));
            return call("transact", params, options.callTimeout(), r -> decodeTransact(schema, operations, r));
        });
    }

    private static TransactResult decodeTransact(DatabaseSchema schema, List<Operation> ops, JsonNode r) {
        if (!r.isArray()) {
            throw new OvsdbException("transact reply is not an array: " + r);
        }
        List<JsonNode> results = new ArrayList<>();
        for (int i = 0; i < r.size(); i++) {
            JsonNode res = r.get(i);
            if (res != null && res.has("error") && !res.get("error").isNull()) {
                String details = res.has("details") ? res.get("details").asString() : null;
                throw new TransactionException(res.get("error").asString(), details, i, i < ops.size() ? ops.get(i) : null);
            }
            results.add(res);
        }
        if (results.size() < ops.size()) {
            throw new OvsdbException("transact reply has " + results.size() + " results for " + ops.size() + " operations");
        }
        return new TransactResult(schema, ops, results.subList(0, ops.size()));
    }

    /**
     * Replicates {@code spec}'s tables of {@code db} into a new {@link DatabaseReplica}, complete when the
     * future completes and kept current, across reconnects, until the client is closed.
     */
    public CompletableFuture<DatabaseReplica> replicate(String db, MonitorSpec spec) {
        return getSchema(db).thenCompose(schema -> {
            DatabaseReplica replica = new DatabaseReplica(schema, spec.tablesSpecs().keySet(), spec.indexedExternalIds());
            Monitor m = new Monitor("kovn-" + monitorIds.incrementAndGet(), db, spec, replica);
            monitors.put(m.id, m);
            return startMonitor(m, null).thenApply(v -> replica);
        });
    }

    /**
     * Sends any JSON-RPC request once the connection is ready (its replicas in sync); {@code decode} runs on the
     * notification thread.
     */
    public <T> CompletableFuture<T> call(String method, JsonNode params, Duration timeout, Function<JsonNode, T> decode) {
        return send(null, method, params, timeout, decode);
    }

    /**
     * {@code via} null: the request waits in the outbox for the ready connection. Otherwise it is written on
     * {@code via} at once: the requests that bring a new connection's replicas in sync.
     */
    private <T> CompletableFuture<T> send(Channel via, String method, JsonNode params, Duration timeout,
                                          Function<JsonNode, T> decode) {
        if (closed) {
            return CompletableFuture.failedFuture(new OvsdbConnectionException("client is closed"));
        }
        if (via != null && !via.isActive()) {
            return CompletableFuture.failedFuture(new OvsdbConnectionException("connection to " + connectedTo + " lost"));
        }
        if (via == null && unavailableLongEnough()) {
            return CompletableFuture.failedFuture(new OvsdbUnavailableException(method + " not sent: " + problem()));
        }
        connect();
        long id = ids.incrementAndGet();
        Pending<T> p = new Pending<>(method, new CompletableFuture<>(), decode);
        pending.put(id, p);
        ObjectNode msg = OvsdbJson.NODES.objectNode().put("method", method).put("id", id);
        msg.set("params", params);
        byte[] bytes = OvsdbJson.MAPPER.writeValueAsBytes(msg);
        var timer = TIMERS.schedule(() -> p.future.completeExceptionally(new OvsdbTimeoutException(
                method + " got no reply within " + timeout.toMillis() + " ms from " + remotes + whyNotConnected())),
                timeout.toMillis(),
                TimeUnit.MILLISECONDS);
        p.future.whenComplete((v, e) -> {
            timer.cancel(false);
            outbox.remove(id);
            if (pending.remove(id) != null && e instanceof CancellationException) {
                sendCancel(id);
            }
        });
        if (via != null) {
            via.writeAndFlush(Unpooled.wrappedBuffer(bytes));
        } else if (outbox.offer(id, bytes)) {
            flush();
        } else {
            p.future.completeExceptionally(new OvsdbBackpressureException(method + " not sent: " + outbox.bytes()
                    + " bytes of requests already wait for " + remotes + " (limit " + options.maxQueuedBytes() + ")"));
        }
        return p.future;
    }

    /** Writes what waits in the outbox, if the connection is ready. */
    private void flush() {
        Channel ch = readyChannel;
        if (ch != null) {
            outbox.drainTo(ch);
        }
    }

    /** Called by the handler when the channel's write buffer went back under its low water mark. */
    void writable(Channel ch) {
        if (ch == readyChannel) {
            outbox.drainTo(ch);
        }
    }

    /** Best effort: a connection whose write buffer is full gets no cancel. */
    private void sendCancel(long id) {
        Channel ch = readyChannel;
        if (ch != null && ch.isWritable()) {
            ObjectNode msg = OvsdbJson.NODES.objectNode().put("method", "cancel").putNull("id");
            msg.putArray("params").add(id);
            ch.writeAndFlush(Unpooled.wrappedBuffer(OvsdbJson.MAPPER.writeValueAsBytes(msg)));
        }
    }

    @Override
    public void close() {
        closed = true;
        CompletableFuture<Channel> c = channel;
        if (c.isDone() && !c.isCompletedExceptionally()) {
            c.join().close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        }
        failAll(new OvsdbConnectionException("client is closed"), false);
        firstConnect.completeExceptionally(new OvsdbConnectionException("client is closed"));
        dispatcher.shutdown();
    }

    // ---------------------------------------------------------------- monitors

    private enum MonitorMethod { COND_SINCE, COND, PLAIN }

    private final class Monitor {
        final String id;
        final String db;
        final MonitorSpec spec;
        final DatabaseReplica replica;
        volatile MonitorMethod method = MonitorMethod.COND_SINCE;

        Monitor(String id, String db, MonitorSpec spec, DatabaseReplica replica) {
            this.id = id;
            this.db = db;
            this.spec = spec;
            this.replica = replica;
        }

        JsonNode requests(boolean withConditions) {
            ObjectNode req = OvsdbJson.NODES.objectNode();
            spec.tablesSpecs().forEach((table, ts) -> {
                ObjectNode r = OvsdbJson.NODES.objectNode();
                if (ts.columns() != null) {
                    ArrayNode cols = r.putArray("columns");
                    ts.columns().forEach(cols::add);
                }
                if (withConditions && !ts.where().isEmpty()) {
                    ArrayNode where = r.putArray("where");
                    ts.where().forEach(c -> where.add(c.toJson()));
                }
                req.set(table, withConditions ? OvsdbJson.NODES.arrayNode().add(r) : r);
            });
            return req;
        }
    }

    /**
     * Whether a request sent on the connection still waits for its reply: the server is working on it (one
     * transaction or monitor reply of a big database can keep ovsdb-server from reading anything else for longer
     * than the probe interval), and that request's own timeout bounds the wait.
     */
    boolean awaitingReply() {
        for (Long id : pending.keySet()) {
            if (!outbox.contains(id)) {
                return true;
            }
        }
        return false;
    }

    private Duration monitorTimeout() {
        return options.callTimeout().multipliedBy(4);
    }

    /**
     * Starts a monitor, falling back to older methods the server lacks; {@code via} is the new connection when it
     * restarts one after a reconnect (null: a new monitor, sent once the connection is ready).
     */
    private CompletableFuture<Void> startMonitor(Monitor m, Channel via) {
        ArrayNode params = OvsdbJson.NODES.arrayNode().add(m.db).add(m.id);
        switch (m.method) {
            case COND_SINCE: {
                // read the id to resume from on the notification thread, once the updates of the previous
                // connection still queued there are applied: an older id would have their diffs applied twice
                // (thenApplyAsync, unlike supplyAsync, fails the future rather than throw once the client is closed)
                CompletableFuture<String> since = CompletableFuture.completedFuture(m)
                        .thenApplyAsync(x -> x.replica.lastTxnId(), dispatcher);
                return since.thenCompose(last -> {
                    params.add(m.requests(true)).add(last == null ? ZERO_UUID : last);
                    return this.<Void>send(via, "monitor_cond_since", params, monitorTimeout(), r -> {
                        boolean found = r.get(0).asBoolean();
                        String txn = r.get(1).asString();
                        if (found) {
                            m.replica.applyUpdate2(r.get(2), txn);
                        } else {
                            m.replica.resetTo(m.replica.decodeFullState2(r.get(2)), txn);
                        }
                        if (via != null) {
                            resynced(m, found, last);
                        }
                        return null;
                    });
                }).exceptionallyCompose(e -> fallback(m, via, e, MonitorMethod.COND));
            }
            case COND:
                params.add(m.requests(true));
                return this.<Void>send(via, "monitor_cond", params, monitorTimeout(), r -> {
                    m.replica.resetTo(m.replica.decodeFullState2(r), null);
                    if (via != null) {
                        resynced(m, false, null);
                    }
                    return null;
                }).exceptionallyCompose(e -> fallback(m, via, e, MonitorMethod.PLAIN));
            default:
                params.add(m.requests(false));
                return this.send(via, "monitor", params, monitorTimeout(), r -> {
                    m.replica.resetTo(m.replica.decodeFullState1(r), null);
                    if (via != null) {
                        resynced(m, false, null);
                    }
                    return null;
                });
        }
    }

    /** Counts and logs how a monitor came back after a reconnect. */
    private void resynced(Monitor m, boolean resumed, String since) {
        if (resumed) {
            stats.resumedResyncs.incrementAndGet();
            log.info("{}: {} replica resumed on {} from transaction {}: only the changes since were sent", name, m.db,
                    connectedTo, since);
        } else {
            stats.fullResyncs.incrementAndGet();
            log.info("{}: {} replica fully resynced on {} ({})", name, m.db, connectedTo, since == null
                    ? "no transaction id to resume from" : "the server no longer has transaction " + since);
        }
    }

    private CompletableFuture<Void> fallback(Monitor m, Channel via, Throwable e, MonitorMethod next) {
        Throwable cause = e instanceof java.util.concurrent.CompletionException ? e.getCause() : e;
        if (cause instanceof OvsdbRpcException rpc && rpc.error().contains("unknown method")) {
            log.info("{} has no {}, falling back", connectedTo, m.method);
            m.method = next;
            return startMonitor(m, via);
        }
        return CompletableFuture.failedFuture(cause);
    }

    // ---------------------------------------------------------------- connection

    private synchronized void attempt() {
        if (closed) {
            return;
        }
        Remote remote = remotes.get(remoteIndex % remotes.size());
        SslContext tls = remote.kind() == Remote.Kind.SSL ? sslContext.current() : null;
        Bootstrap b = new Bootstrap().group(IO)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) options.connectTimeout().toMillis())
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK,
                        new WriteBufferWaterMark(options.writeBufferBytes() / 2, options.writeBufferBytes()))
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ChannelPipeline p = ch.pipeline();
                        if (remote.kind() == Remote.Kind.SSL) {
                            p.addLast(tls.newHandler(ch.alloc(), remote.host(), remote.port()));
                        }
                        RpcHandler rpc = new RpcHandler(OvsdbClient.this, remote, mapper, options.inactivityProbe().toMillis());
                        // ahead of the framer, so that any bytes count as activity: a reply of many megabytes (the
                        // first monitor reply of a big database) takes longer to arrive than the probe interval
                        if (!options.inactivityProbe().isZero()) {
                            p.addLast(new IdleStateHandler(options.inactivityProbe().toMillis(), 0, 0, TimeUnit.MILLISECONDS));
                        }
                        p.addLast(rpc.byteActivity());
                        // messages cut and checked in one pass; a growing one is kept as a list of the reads, not
                        // copied into ever larger buffers: its direct memory stays at about its size
                        p.addLast(new JsonFramer(options.maxFrameBytes()));
                        p.addLast(rpc);
                    }
                });
        ChannelFuture f;
        if (remote.kind() == Remote.Kind.UNIX) {
            f = b.channel(EpollDomainSocketChannel.class).connect(new DomainSocketAddress(remote.path().toString()));
        } else {
            f = b.channel(EpollSocketChannel.class).option(ChannelOption.TCP_NODELAY, true).connect(remote.socketAddress());
        }
        f.addListener((ChannelFuture cf) -> {
            if (!cf.isSuccess()) {
                connectFailed(remote, cf.cause());
            }
        });
    }

    /** Called by the handler when the channel is ready (after the TLS handshake for ssl:). */
    void connected(Channel ch, Remote remote) {
        synchronized (this) {
            if (closed) {
                ch.close();
                return;
            }
            connectedTo = remote;
        }
        log.info("{}: connected to {}", name, remote);
        schemas.clear();
        channel.complete(ch);
        checkServer(ch, remote).thenCompose(v -> {
            List<CompletableFuture<Void>> restarts = new ArrayList<>();
            for (Monitor m : monitors.values()) {
                restarts.add(startMonitor(m, ch));
            }
            return CompletableFuture.allOf(restarts.toArray(CompletableFuture[]::new));
        }).whenComplete((v, e) -> {
            if (e != null) {
                if (skipped != ch && ch.isActive()) { // a lost connection is logged as such
                    log.warn("{}: could not restore monitors on {}: {}; reconnecting", name, remote, e.getMessage());
                    remoteProblems.put(remote, "could not restore monitors: " + e.getMessage());
                }
                ch.close();
                return;
            }
            synchronized (this) {
                CompletableFuture<Channel> c = channel;
                if (!ch.isActive() || !c.isDone() || c.isCompletedExceptionally() || c.join() != ch) {
                    return;
                }
                readyChannel = ch;
                unavailableSinceNanos = -1;
            }
            remoteProblems.remove(remote);
            if (everReady) {
                stats.reconnects.incrementAndGet();
            }
            everReady = true;
            firstConnect.complete(null);
            flush();
        });
    }

    /**
     * Monitors {@code _Server} on a new connection, as ovsdb-idl does, and fails if the server will not do: a
     * clustered database it is not connected to the cluster for, a follower while {@link Options#leaderOnly()}, or
     * an index behind what the client already saw (a member that missed transactions). A server without
     * {@code _Server} (older than OVS 2.9) is taken as standalone.
     */
    private CompletableFuture<Void> checkServer(Channel ch, Remote remote) {
        ObjectNode request = OvsdbJson.NODES.objectNode();
        ArrayNode columns = request.putObject(ServerView.TABLE).putArray("columns");
        ServerDatabase.COLUMNS.forEach(columns::add);
        ArrayNode params = OvsdbJson.NODES.arrayNode().add(ServerView.DATABASE).add(SERVER_MONITOR).add(request);
        return this.<ServerView>send(ch, "monitor", params, monitorTimeout(), r -> {
            ServerView view = new ServerView(ch, remote);
            view.apply(r);
            return view;
        }).handle((view, e) -> {
            if (e != null) {
                Throwable cause = e instanceof CompletionException ? e.getCause() : e;
                if (cause instanceof OvsdbRpcException) {
                    log.debug("{}: {} has no _Server database ({}): taken as standalone", name, remote, cause.getMessage());
                    serverView = null;
                    return null;
                }
                throw new CompletionException(cause);
            }
            serverView = view;
            String problem = admit(view);
            if (problem != null) {
                skip(view, problem);
                throw new CompletionException(new OvsdbConnectionException(problem));
            }
            return null;
        });
    }

    /**
     * Null if the server will do for the databases this client uses (before it used any: every clustered one the
     * server has), otherwise why not; records the index, cluster and leader seen when it will.
     */
    private String admit(ServerView view) {
        List<ServerDatabase> relevant = new ArrayList<>();
        for (ServerDatabase db : view.databases()) {
            if (db.clustered() && (usedDbs.isEmpty() || usedDbs.contains(db.name()))) {
                relevant.add(db);
            }
        }
        for (ServerDatabase db : relevant) {
            String cid = clusterIds.get(db.name());
            if (cid != null && db.cid() != null && !cid.equals(db.cid())) {
                log.warn("{}: {} on {} belongs to cluster {}, not {} as before: the database was recreated", name,
                        db.name(), view.remote, db.cid(), cid);
                minIndex.remove(db.name());
                leaderSids.remove(db.name());
            }
            if (!db.connected()) {
                return "clustered database " + db.name() + " is not connected to its cluster (no quorum, or an election"
                        + " going on)";
            }
            if (options.leaderOnly() && !db.leader()) {
                return "clustered database " + db.name() + " is a follower here, not the cluster leader";
            }
            Long seen = minIndex.get(db.name());
            if (seen != null && db.index() >= 0 && db.index() < seen) {
                return "clustered database " + db.name() + " is behind (index " + db.index() + ", already seen "
                        + seen + ")";
            }
        }
        for (ServerDatabase db : relevant) {
            if (db.cid() != null) {
                clusterIds.put(db.name(), db.cid());
            }
            minIndex.merge(db.name(), db.index(), Math::max);
            if (db.leader() && db.sid() != null) {
                String before = leaderSids.put(db.name(), db.sid());
                if (before != null && !before.equals(db.sid())) {
                    stats.leaderChanges.incrementAndGet();
                    log.info("{}: the leader of {} is now {} (server {}, was {})", name, db.name(), view.remote,
                            db.sid(), before);
                }
            }
        }
        return null;
    }

    /** Closes a connection whose server will not do; its loss moves on to the next remote. */
    private void skip(ServerView view, String problem) {
        skipped = view.channel;
        stats.serversSkipped.incrementAndGet();
        remoteProblems.put(view.remote, problem);
        lastConnectFailure = new OvsdbConnectionException(view.remote + ": " + problem);
        log.info("{}: {}: {}; trying another server", name, view.remote, problem);
        view.channel.close();
    }

    /** A _Server update on {@code ch}, or a database newly used: the server may no longer do. */
    private void recheckServer() {
        ServerView view = serverView;
        if (view != null && view.channel.isActive() && skipped != view.channel) {
            String problem = admit(view);
            if (problem != null) {
                skip(view, problem);
            }
        }
    }

    private boolean unavailableLongEnough() {
        long since = unavailableSinceNanos;
        return since >= 0 && System.nanoTime() - since >= options.unavailableAfter().toNanos();
    }

    /** Fails the requests still waiting for a connection once the client has been without one for too long. */
    private void failQueuedIfUnavailable(long since) {
        if (since != unavailableSinceNanos || closed) {
            return;
        }
        OvsdbUnavailableException e = new OvsdbUnavailableException("not sent: " + problem());
        for (Long id : List.copyOf(pending.keySet())) {
            if (outbox.contains(id)) {
                Pending<?> p = pending.get(id);
                if (p != null) {
                    p.future.completeExceptionally(e);
                }
            }
        }
    }

    /**
     * Called by the handler when the channel goes away, whatever the reason. {@code provenNanos} is how long
     * after it came up the connection last delivered a well-formed message (-1: never); {@code cause} why it
     * went, if known.
     */
    void disconnected(Channel ch, Remote remote, long provenNanos, Throwable cause) {
        boolean healthy;
        boolean wasSkipped;
        long delay;
        long since = -1;
        synchronized (this) {
            CompletableFuture<Channel> c = channel;
            if (!c.isDone() || c.isCompletedExceptionally() || c.join() != ch) {
                return;
            }
            boolean wasReady = readyChannel == ch;
            channel = new CompletableFuture<>();
            readyChannel = null;
            connectedTo = null;
            wasSkipped = skipped == ch;
            healthy = !wasSkipped && provenNanos >= 0
                    && provenNanos >= TimeUnit.MILLISECONDS.toNanos(backoff.stepMs());
            skippedThisRound |= wasSkipped;
            delay = healthy ? reset() : failed();
            if (wasReady) {
                since = System.nanoTime();
                unavailableSinceNanos = since;
            }
        }
        String why = wasSkipped ? remoteProblems.get(remote) : cause == null ? null : describe(cause);
        if (!wasSkipped) {
            remoteProblems.put(remote, "connection lost" + (why == null ? "" : ": " + why));
        }
        failAll(new OvsdbConnectionException("connection to " + remote + " lost" + (why == null ? "" : ": " + why),
                cause), true);
        if (since >= 0) {
            long lostAt = since;
            TIMERS.schedule(() -> failQueuedIfUnavailable(lostAt), options.unavailableAfter().toMillis(),
                    TimeUnit.MILLISECONDS);
        }
        if (!closed && !wasSkipped) {
            log.warn("{}: connection to {} lost{}; reconnecting in {} ms", name, remote,
                    healthy ? "" : " before it proved healthy", delay);
        }
        if (!closed) {
            scheduleAttempt(delay);
        }
    }

    void connectFailed(Remote remote, Throwable cause) {
        long delay;
        lastConnectFailure = cause;
        remoteProblems.put(remote, "cannot connect: " + (cause.getMessage() == null ? cause.getClass().getSimpleName()
                : cause.getMessage()));
        synchronized (this) {
            if (closed) {
                return;
            }
            delay = failed();
        }
        if (failures <= remotes.size()) {
            log.warn("{}: cannot connect to {}: {}", name, remote, cause.getMessage());
        } else {
            log.debug("{}: cannot connect to {}: {}", name, remote, cause.getMessage());
        }
        scheduleAttempt(delay);
    }

    /** The connection proved healthy: the back-off starts over, and the same remote is tried again first. */
    private long reset() {
        failures = 0;
        triedThisRound = 0;
        skippedThisRound = false;
        backoff.reset();
        return backoff.next();
    }

    /**
     * A failed attempt: the next remote at once until every one was tried, then the back-off grows (but a round in
     * which a server answered and was skipped is followed by at most {@link #SKIPPED_ROUND_MAX_MS}).
     */
    private long failed() {
        failures++;
        remoteIndex++;
        if (++triedThisRound < remotes.size()) {
            return 0;
        }
        triedThisRound = 0;
        long delay = backoff.next();
        if (skippedThisRound) {
            skippedThisRound = false;
            return Math.min(delay, SKIPPED_ROUND_MAX_MS);
        }
        return delay;
    }

    private void scheduleAttempt(long delayMs) {
        TIMERS.schedule(this::attempt, delayMs, TimeUnit.MILLISECONDS);
    }

    /**
     * Fails the calls waiting for a reply; {@code sentOnly}: those still waiting in the outbox were never sent
     * and go out on the next connection.
     */
    private void failAll(OvsdbException e, boolean sentOnly) {
        for (Long id : List.copyOf(pending.keySet())) {
            if (sentOnly && outbox.contains(id)) {
                continue;
            }
            Pending<?> p = pending.remove(id);
            if (p != null) {
                p.future.completeExceptionally(sentOnly && "transact".equals(p.method())
                        ? new TransactionOutcomeUnknownException(e.getMessage() + " before the transaction's reply: it"
                                + " may or may not have been committed, and is not sent again", e)
                        : e);
            }
        }
    }

    // ---------------------------------------------------------------- inbound (from RpcHandler, I/O thread)

    void onResponse(long id, JsonNode result, JsonNode error) {
        Pending<?> p = pending.get(id);
        if (p == null) {
            log.debug("{}: reply to unknown or abandoned request {}", name, id);
            return;
        }
        dispatcher.execute(() -> p.complete(result, error));
    }

    void onNotification(String method, JsonNode params, Channel ch) {
        dispatcher.execute(() -> {
            if (ch == droppedForBadUpdate) {
                // applying updates that follow the bad one would move the replica (and the transaction id it
                // resumes from) past it: the resync after the reconnect brings them all
                return;
            }
            try {
                switch (method) {
                    case "update" -> {
                        if (SERVER_MONITOR.equals(params.get(0).asString(""))) {
                            serverUpdate(ch, params.get(1));
                        } else {
                            monitor(params.get(0)).replica.applyUpdate1(params.get(1));
                        }
                    }
                    case "update2" -> monitor(params.get(0)).replica.applyUpdate2(params.get(1), null);
                    case "update3" -> monitor(params.get(0)).replica.applyUpdate2(params.get(2), params.get(1).asString());
                    default -> log.debug("{}: ignoring notification {}", name, method);
                }
            } catch (RuntimeException e) {
                log.error("{}: bad {} notification from {}: {}; closing the connection to resync", name, method,
                        connectedTo, e.toString());
                droppedForBadUpdate = ch;
                ch.close();
            }
        });
    }

    private void serverUpdate(Channel ch, JsonNode tableUpdates) {
        ServerView view = serverView;
        if (view != null && view.channel == ch) {
            view.apply(tableUpdates);
            recheckServer();
        }
    }

    private Monitor monitor(JsonNode id) {
        Monitor m = monitors.get(id.asString());
        if (m == null) {
            throw new io.kovn.ovsdb.wire.OvsdbProtocolException("update for unknown monitor " + id);
        }
        return m;
    }

    String name() {
        return name;
    }

    /** A failure cause for humans: Netty's wrappers (e.g. DecoderException around a TLS handshake failure) peeled. */
    private static String describe(Throwable t) {
        Throwable c = t;
        while (c instanceof io.netty.handler.codec.DecoderException && c.getCause() != null) {
            c = c.getCause();
        }
        return c instanceof OvsdbException ? c.getMessage() : c.toString();
    }

    private record Pending<T>(String method, CompletableFuture<T> future, Function<JsonNode, T> decode) {
        void complete(JsonNode result, JsonNode error) {
            if (error != null && !error.isNull()) {
                String err = error.isString() ? error.asString() : error.path("error").asString(error.toString());
                String details = error.path("details").asString("");
                future.completeExceptionally(new OvsdbRpcException(method, err, details));
                return;
            }
            try {
                future.complete(decode.apply(result));
            } catch (RuntimeException e) {
                future.completeExceptionally(e);
            }
        }
    }
}
