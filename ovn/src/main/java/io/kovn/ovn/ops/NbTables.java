package io.kovn.ovn.ops;

import io.kovn.ovn.nb.ACL;
import io.kovn.ovn.nb.AddressSet;
import io.kovn.ovn.nb.ChassisTemplateVar;
import io.kovn.ovn.nb.LoadBalancer;
import io.kovn.ovn.nb.LoadBalancerGroup;
import io.kovn.ovn.nb.LogicalRouter;
import io.kovn.ovn.nb.LogicalRouterPort;
import io.kovn.ovn.nb.LogicalRouterStaticRoute;
import io.kovn.ovn.nb.LogicalSwitch;
import io.kovn.ovn.nb.LogicalSwitchPort;
import io.kovn.ovn.nb.NAT;
import io.kovn.ovn.nb.PortGroup;
import io.kovn.ovsdb.client.MonitorSpec;
import io.kovn.ovsdb.model.Column;
import java.util.List;

/** The NB tables the operations of this package read: what a replica must hold for them. */
public final class NbTables {
    private NbTables() {
    }

    /**
     * Every column of these tables but a switch port's, of which the columns kovn writes and reads ({@link #PORT_COLUMNS}):
     * ovn-northd writes {@code up} of every port when its pod's chassis claims it, and {@code dynamic_addresses}, which
     * kovn never reads, and a replica of all columns would receive and hold them for every pod.
     */
    public static MonitorSpec monitorSpec() {
        return MonitorSpec.create().tables(LogicalSwitch.TABLE, LogicalRouter.TABLE,
                LogicalRouterPort.TABLE, LogicalRouterStaticRoute.TABLE, NAT.TABLE, LoadBalancer.TABLE,
                LoadBalancerGroup.TABLE, PortGroup.TABLE, ACL.TABLE, AddressSet.TABLE, ChassisTemplateVar.TABLE)
                .table(LogicalSwitchPort.TABLE, PORT_COLUMNS);
    }

    /** The Logical_Switch_Port columns kovn writes or reads. */
    public static final List<Column<?>> PORT_COLUMNS = List.of(LogicalSwitchPort.NAME, LogicalSwitchPort.TYPE,
            LogicalSwitchPort.OPTIONS, LogicalSwitchPort.PARENT_NAME, LogicalSwitchPort.TAG_REQUEST, LogicalSwitchPort.TAG,
            LogicalSwitchPort.ADDRESSES, LogicalSwitchPort.PORT_SECURITY, LogicalSwitchPort.EXTERNAL_IDS);
}
