package io.kovn.ovsdb.client;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.util.ByteProcessor;
import io.netty.util.ReferenceCountUtil;

/**
 * Fails the stream, ahead of {@link io.netty.handler.codec.json.JsonObjectDecoder}, at the first byte that
 * cannot occur in JSON text where it stands (a control character, or outside strings anything but structure,
 * numbers, literals and white space). The framer only counts braces, so without this a frame opened and then
 * followed by garbage would be buffered until the inactivity probe (or the frame size limit) gave up on it.
 * What is lexically possible but still not JSON is left to the parser.
 */
final class JsonByteValidator extends ChannelInboundHandlerAdapter {
    private static final boolean[] OUTSIDE_STRINGS = new boolean[128];

    static {
        for (char c : " \t\r\n{}[]:,\"-+.0123456789eEtrufalsn".toCharArray()) {
            OUTSIDE_STRINGS[c] = true;
        }
    }

    private boolean inString;
    private boolean escaped;
    private boolean corrupted;
    private long position;

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
                return false;
            }
        } else if (c == '"') {
            inString = true;
        } else if (c >= 128 || !OUTSIDE_STRINGS[c]) {
            return false;
        }
        position++;
        return true;
    };

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (corrupted) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof ByteBuf buf) {
            int bad = buf.forEachByte(scanner);
            if (bad >= 0) {
                corrupted = true;
                String what = String.format("invalid JSON byte 0x%02x at stream position %d", buf.getByte(bad) & 0xff, position);
                buf.release();
                ctx.fireExceptionCaught(new CorruptedFrameException(what));
                return;
            }
        }
        ctx.fireChannelRead(msg);
    }
}
