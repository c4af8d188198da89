package io.kovn.ovsdb.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.TooLongFrameException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The framer against byte streams as the network cuts them: messages whole, split, several in one read, or bad. */
class JsonFramerTest {

    private static ByteBuf bytes(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.UTF_8);
    }

    private static List<String> frames(EmbeddedChannel ch) {
        List<String> out = new ArrayList<>();
        for (ByteBuf b = ch.readInbound(); b != null; b = ch.readInbound()) {
            out.add(b.toString(StandardCharsets.UTF_8).strip());
            b.release();
        }
        return out;
    }

    @Test
    void messagesAreCutWhereTheirTopLevelValueEndsHoweverTheReadsFall() {
        String a = "{\"id\":1,\"result\":[{\"s\":\"a } ] { [ \\\" \\\\\"},[1,2.5e3,true,false,null]],\"error\":null}";
        String b = "[\"update2\",{\"x\":\"\u00e9\u4e2d\"}]";
        String stream = " \n" + a + "\r\n\t" + b + " ";
        byte[] all = stream.getBytes(StandardCharsets.UTF_8);
        // every split point of the stream into two reads, and one byte per read
        for (int cut = 0; cut <= all.length; cut++) {
            EmbeddedChannel ch = new EmbeddedChannel(new JsonFramer(1024));
            ch.writeInbound(Unpooled.wrappedBuffer(all, 0, cut));
            ch.writeInbound(Unpooled.wrappedBuffer(all, cut, all.length - cut));
            assertThat(frames(ch)).as("cut at %d", cut).containsExactly(a, b);
            ch.finishAndReleaseAll();
        }
        EmbeddedChannel ch = new EmbeddedChannel(new JsonFramer(1024));
        for (byte x : all) {
            ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {x}));
        }
        assertThat(frames(ch)).containsExactly(a, b);
        ch.finishAndReleaseAll();
    }

    @Test
    void aByteJsonHasNoPlaceForFailsTheStreamNamingItsPosition() {
        EmbeddedChannel ch = new EmbeddedChannel(new JsonFramer(1024));
        ch.writeInbound(bytes("{\"a\":1}"));
        assertThat(frames(ch)).containsExactly("{\"a\":1}");
        assertThatThrownBy(() -> ch.writeInbound(bytes("{\"b\":#}")))
                .isInstanceOf(CorruptedFrameException.class).hasMessage("invalid JSON byte 0x23 at stream position 12");
        ch.writeInbound(bytes("{\"c\":2}")); // nothing after a failure
        assertThat(frames(ch)).isEmpty();
        ch.finishAndReleaseAll();

        for (String bad : new String[] {"42", "\"text\"", "}", "{\"a\":\"tab\there\"}", "{\"a\":1}}", "{\u00e9:1}", "null"}) {
            EmbeddedChannel c = new EmbeddedChannel(new JsonFramer(1024));
            assertThatThrownBy(() -> c.writeInbound(bytes(bad))).as(bad).isInstanceOf(CorruptedFrameException.class);
            c.finishAndReleaseAll();
        }
    }

    @Test
    void aMessageLongerThanTheLimitFailsAsSoonAsItPassesIt() {
        EmbeddedChannel ch = new EmbeddedChannel(new JsonFramer(1024));
        ch.writeInbound(bytes("[\"" + "x".repeat(1000)));
        assertThat(frames(ch)).isEmpty();
        assertThatThrownBy(() -> ch.writeInbound(bytes("x".repeat(100)))).isInstanceOf(TooLongFrameException.class)
                .hasMessageContaining("exceeds 1024 bytes");
        ch.finishAndReleaseAll();

        EmbeddedChannel whole = new EmbeddedChannel(new JsonFramer(1024));
        assertThatThrownBy(() -> whole.writeInbound(bytes("[\"" + "y".repeat(1100) + "\"]")))
                .isInstanceOf(TooLongFrameException.class);
        whole.finishAndReleaseAll();

        EmbeddedChannel fits = new EmbeddedChannel(new JsonFramer(1024));
        String exact = "[\"" + "z".repeat(1020) + "\"]";
        fits.writeInbound(bytes(exact));
        assertThat(frames(fits)).containsExactly(exact);
        fits.finishAndReleaseAll();
    }
}
