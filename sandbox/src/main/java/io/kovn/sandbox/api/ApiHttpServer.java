package io.kovn.sandbox.api;

import io.fabric8.mockwebserver.http.Dispatcher;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The HTTP server of the sandbox's API: Netty on loopback in front of the CRUD dispatcher, which it calls in
 * this JVM. It exists because fabric8's mock web server can only answer a request with one finished body or a
 * WebSocket, while kubectl needs streamed answers (watches as chunked JSON, {@code logs -f}) and exec over a
 * WebSocket sub-protocol; see {@link ApiRequestHandler} for what is served how.
 */
final class ApiHttpServer implements AutoCloseable {
    /** Bigger bodies are refused (413): the sandbox's objects are small. */
    static final int MAX_BODY = 8 << 20;
    /** A connection whose unsent data exceeds this is a client that does not read: it is closed. */
    static final int MAX_PENDING = 16 << 20;

    private final EventLoopGroup loops;
    private final ExecutorService work;
    private final Channel server;

    private ApiHttpServer(EventLoopGroup loops, ExecutorService work, Channel server) {
        this.loops = loops;
        this.work = work;
        this.server = server;
    }

    static ApiHttpServer start(InetAddress address, int port, Dispatcher dispatcher, PodStreams pods,
                               ProtobufBody protobuf, ApiRequestLog requests) {
        EventLoopGroup loops = new MultiThreadIoEventLoopGroup(2, new DefaultThreadFactory("sandbox-api-io", true),
                NioIoHandler.newFactory());
        // the dispatcher may block on its lock or on a slow watcher: never on an event loop; bounded queue
        ExecutorService work = new ThreadPoolExecutor(4, 4, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(4096),
                new DefaultThreadFactory("sandbox-api-work", true));
        try {
            Channel server = new ServerBootstrap().group(loops).channel(NioServerSocketChannel.class)
                    .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(1 << 20, MAX_PENDING))
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(MAX_BODY),
                                    new ApiRequestHandler(dispatcher, work, pods, protobuf, requests));
                        }
                    })
                    .bind(new InetSocketAddress(address, port)).syncUninterruptibly().channel();
            return new ApiHttpServer(loops, work, server);
        } catch (RuntimeException e) {
            loops.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            work.shutdownNow();
            throw e;
        }
    }

    int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
        loops.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        work.shutdownNow();
    }
}
