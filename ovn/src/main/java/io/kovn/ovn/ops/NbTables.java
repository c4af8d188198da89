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

/** The NB tables the operations of this package read: what a replica must hold for them. */
public final class NbTables {
    private NbTables() {
    }

    public static MonitorSpec monitorSpec() {
        return MonitorSpec.create().tables(LogicalSwitch.TABLE, LogicalSwitchPort.TABLE, LogicalRouter.TABLE,
                LogicalRouterPort.TABLE, LogicalRouterStaticRoute.TABLE, NAT.TABLE, LoadBalancer.TABLE,
                LoadBalancerGroup.TABLE, PortGroup.TABLE, ACL.TABLE, AddressSet.TABLE, ChassisTemplateVar.TABLE);
    }
}
