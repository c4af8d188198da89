package io.kovn.tools.trace;

import io.kovn.ovn.net.Ipv4Cidr;
import io.kovn.ovn.net.MacAddress;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The packet ovn-trace follows, built from typed values only: a port name read from NB (checked against what
 * kovn names ports), MACs, addresses, a port number and a protocol; a TCP SYN, a UDP datagram or an ICMP echo.
 */
public record Microflow(String inport, MacAddress ethSrc, MacAddress ethDst, int ipSrc, int ipDst,
                        TraceRequest.Protocol protocol, int dstPort) {
    private static final Pattern PORT_NAME = Pattern.compile("[A-Za-z0-9_.-]{1,300}");
    /** The source port of TCP and UDP probes. */
    static final int SOURCE_PORT = 33333;

    public Microflow {
        if (!PORT_NAME.matcher(inport).matches()) {
            throw new IllegalArgumentException("unexpected logical port name " + inport);
        }
    }

    /** In ovn-trace's expression syntax. */
    public String expression() {
        StringBuilder b = new StringBuilder();
        b.append("inport == \"").append(inport).append("\" && eth.src == ").append(ethSrc).append(" && eth.dst == ")
                .append(ethDst).append(" && ip4.src == ").append(Ipv4Cidr.format(ipSrc)).append(" && ip4.dst == ")
                .append(Ipv4Cidr.format(ipDst)).append(" && ip.ttl == 64");
        switch (protocol) {
            case TCP -> b.append(" && tcp && tcp.src == ").append(SOURCE_PORT).append(" && tcp.dst == ").append(dstPort)
                    .append(" && tcp.flags == 2");
            case UDP -> b.append(" && udp && udp.src == ").append(SOURCE_PORT).append(" && udp.dst == ").append(dstPort);
            case ICMP -> b.append(" && icmp4 && icmp4.type == 8 && icmp4.code == 0");
        }
        return b.toString();
    }

    /** The same packet as an OpenFlow flow entering br-int at {@code ofport}, for ofproto/trace. */
    public String openFlow(long ofport) {
        StringBuilder b = new StringBuilder("in_port=").append(ofport).append(',')
                .append(protocol.name().toLowerCase(Locale.ROOT)).append(",dl_src=").append(ethSrc)
                .append(",dl_dst=").append(ethDst).append(",nw_src=").append(Ipv4Cidr.format(ipSrc)).append(",nw_dst=")
                .append(Ipv4Cidr.format(ipDst)).append(",nw_ttl=64");
        switch (protocol) {
            case TCP -> b.append(",tp_src=").append(SOURCE_PORT).append(",tp_dst=").append(dstPort).append(",tcp_flags=0x002");
            case UDP -> b.append(",tp_src=").append(SOURCE_PORT).append(",tp_dst=").append(dstPort);
            case ICMP -> b.append(",icmp_type=8,icmp_code=0");
        }
        return b.toString();
    }
}
