package io.kovn.sandbox.standins;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Keeps a container's log file bounded, as kubelet's log rotation does: the process appends to it directly (so
 * its output is never held up), and once the file passes {@link #MAX_BYTES} it is cut to its last
 * {@link #KEEP_BYTES} in place ("copytruncate": the process's descriptor appends, so it writes on at the new
 * end; a line written during the cut may be lost).
 */
final class ContainerLogs {
    static final long MAX_BYTES = 8 << 20;
    static final int KEEP_BYTES = 1 << 20;

    private ContainerLogs() {
    }

    /** Cuts {@code log} to its tail if it is over the bound; true if it did. */
    static boolean bound(Path log) {
        try {
            if (!Files.exists(log) || Files.size(log) <= MAX_BYTES) {
                return false;
            }
            try (RandomAccessFile f = new RandomAccessFile(log.toFile(), "rw")) {
                long length = f.length();
                byte[] tail = new byte[(int) Math.min(KEEP_BYTES, length)];
                f.seek(length - tail.length);
                f.readFully(tail);
                f.setLength(0);
                f.seek(0);
                f.write(tail);
            }
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
