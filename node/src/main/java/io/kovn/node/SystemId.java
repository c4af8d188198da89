package io.kovn.node;

import io.kovn.node.ovs.LocalOvs;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;

/**
 * The node's OVN chassis name (external_ids:system-id), kept in a file so that it survives a wiped Open_vSwitch
 * database: a new id would make a new chassis and orphan the old one's port bindings.
 */
public final class SystemId {
    private SystemId() {
    }

    /** The id in {@code file}; else {@code current} (what OVSDB holds) or a new UUID, written to the file. */
    public static String load(Path file, String current) {
        try {
            if (Files.exists(file)) {
                String id = Files.readString(file).trim();
                if (!id.isEmpty()) {
                    return id;
                }
            }
            String id = current != null && !current.isBlank() ? current : UUID.randomUUID().toString();
            if (file.getParent() != null) {
                Files.createDirectories(file.getParent());
            }
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.writeString(tmp, id + "\n");
            Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            return id;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot keep the system-id in " + file, e);
        }
    }

    /** The id {@link #load} gives, also set as the Open_vSwitch row's external_ids:system-id. */
    public static String ensure(LocalOvs ovs, Path file) {
        String stored = ovs.externalIds().get("system-id");
        String id = load(file, stored);
        if (!id.equals(stored)) {
            ovs.setExternalIds(Map.of("system-id", id));
        }
        return id;
    }
}
