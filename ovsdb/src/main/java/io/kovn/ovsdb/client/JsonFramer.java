package io.kovn.ovsdb.client;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.util.ByteProcessor;
import java.util.List;

/**
 * Cuts the server's byte stream into JSON-RPC messages (top-level JSON objects or arrays) and fails it at the first
 * byte that cannot occur in JSON text where it stands (a control character in a string; outside strings anything
 * but structure, numbers, literals and white space; a value that is not an object or array at the top level), or
 * once a message grows past {@code maxFrameBytes}. What is lexically possible but still not JSON is left to the
 * parser.
 *
 * <p>One pass over each byte, through {@link ByteBuf#forEachByte} on the buffers as they arrive and are kept (a
 * message of many reads is a composite of them, not copied into ever larger buffers: its direct memory stays at
 * about its size), where Netty's {@code JsonObjectDecoder} reads a composite byte by byte with bounds checks, and a
 * validator ahead of it scanned every byte once more: at a cold start of 100,000 pods the replica's updates are
 * hundreds of megabytes.
 */
final class JsonFramer extends ByteToMessageDecoder {
    private static final boolean[] OUTSIDE_STRINGS = new boolean[128];
    private static final int ONGOING = 0;
    private static final int COMPLETE = 1;
    private static final int INVALID = 2;

    static {
        for (char c : " \t\r\n{}[]:,\"-+.0123456789eEtrufalsn".toCharArray()) {
            OUTSIDE_STRINGS[c] = true;
        }
    }

    private final int maxFrameBytes;
    private int depth;
    private boolean inString;
    private boolean escaped;
    /** Bytes of the buffer from its reader index on that the scanner has read: the message so far. */
    private int scanned;
    /** Stream position of the next byte to scan, for the error message. */
    private long position;
    private int outcome;
    private boolean failed;

    private final ByteProcessor scanner = b -> {
        int c = b & 0xff;
        if (inString) {
            if (escaped) {
                escaped = false;
            } else if (c == '\\') {
                escaped = true;
            } else if (c == '"') {
                inString = false;
            } else if (c < 0x20) {
                outcome = INVALID;
                return false;
            }
        } else if (c == '{' || c == '[') {
            depth++;
        } else if (c == '}' || c == ']') {
            if (--depth <= 0) {
                outcome = depth == 0 ? COMPLETE : INVALID;
                if (outcome == COMPLETE) {
                    position++;
                }
                return false;
            }
        } else if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
            // white space, at any depth
        } else if (depth == 0 || c >= 128 || !OUTSIDE_STRINGS[c]) {
            outcome = INVALID; // a top-level value that is no object or array, or a byte JSON has no place for
            return false;
        } else if (c == '"') {
            inString = true;
        }
        position++;
        return true;
    };

    JsonFramer(int maxFrameBytes) {
        this.maxFrameBytes = maxFrameBytes;
        setCumulator(COMPOSITE_CUMULATOR);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (failed) {
            in.skipBytes(in.readableBytes());
            return;
        }
        while (in.isReadable()) {
            int from = in.readerIndex() + scanned;
            int length = in.writerIndex() - from;
            if (length <= 0) {
                return;
            }
            outcome = ONGOING;
            int stop = in.forEachByte(from, length, scanner);
            if (stop < 0) {
                scanned += length;
                if (scanned > maxFrameBytes) {
                    fail(in, new TooLongFrameException("a message from the server exceeds " + maxFrameBytes
                            + " bytes"));
                }
                return;
            }
            if (outcome == INVALID) {
                String what = String.format("invalid JSON byte 0x%02x at stream position %d", in.getByte(stop) & 0xff,
                        position);
                fail(in, new CorruptedFrameException(what));
                return;
            }
            int frame = stop + 1 - in.readerIndex();
            if (frame > maxFrameBytes) {
                fail(in, new TooLongFrameException("a message from the server exceeds " + maxFrameBytes + " bytes"));
                return;
            }
            out.add(in.readRetainedSlice(frame));
            scanned = 0;
        }
    }

    /** Drops what is buffered and everything after: the connection is closed by the handler that sees the error. */
    private void fail(ByteBuf in, RuntimeException e) {
        failed = true;
        in.skipBytes(in.readableBytes());
        throw e;
    }
}
