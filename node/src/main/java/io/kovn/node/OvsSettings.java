package io.kovn.node;

import io.kovn.node.ovs.LocalOvs;
import io.kovn.ovn.Names;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** What ovn-controller reads from the local Open_vSwitch database, and the integration bridge it uses. */
final class OvsSettings {
    private static final Logger log = LoggerFactory.getLogger(OvsSettings.class);

    private OvsSettings() {
    }

    /** Sets the external_ids (one transaction) and creates br-int if missing; returns the system-id. */
    static String apply(LocalOvs ovs, NodeAgentConfig cfg, String encapIp) {
        Map<String, String> stored = ovs.externalIds();
        Map<String, String> ids = new LinkedHashMap<>();
        ids.put("system-id", SystemId.load(cfg.systemIdFile(), stored.get("system-id")));
        ids.put("hostname", cfg.nodeName());
        if (cfg.sbRemote() != null) {
            ids.put("ovn-remote", cfg.sbRemote());
        } else if (!stored.containsKey("ovn-remote")) {
            log.warn("no OVN Southbound remote given or stored (external_ids:ovn-remote): ovn-controller will wait");
        }
        if (cfg.nbRemote() != null) {
            ids.put("ovn-nb", cfg.nbRemote());
        }
        ids.put("ovn-encap-type", cfg.encapType());
        ids.put("ovn-encap-ip", encapIp);
        ids.put("ovn-bridge-datapath-type", cfg.datapathType());
        ids.putAll(KubernetesSettings.toStore(cfg));
        ovs.setExternalIds(ids);
        ovs.ensureBridge(Names.INTEGRATION_BRIDGE, cfg.datapathType());
        log.info("Open_vSwitch configured: system-id {}, encap {} {}, datapath {}", ids.get("system-id"),
                cfg.encapType(), encapIp, cfg.datapathType());
        return ids.get("system-id");
    }
}
