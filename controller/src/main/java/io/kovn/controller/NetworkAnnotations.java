package io.kovn.controller;

import io.kovn.ovn.annotations.PodNetwork;
import io.kovn.ovn.net.Ipv4Address;
import io.kovn.ovn.net.Ipv4InterfaceAddress;
import io.kovn.ovn.net.MacAddress;
import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;

/**
 * A stored pod's annotations with kovn's own {@link PodNetwork#ANNOTATION} held as its numbers (the address, its
 * prefix, the MAC, the gateway) and written out again when read: the JSON is some 200 characters per pod, 230 bytes
 * as a string, the numbers 24. Only a value the numbers write out exactly is held so ({@link #of}); reads give the
 * same text as the pod's. Immutable.
 */
final class NetworkAnnotations extends AbstractMap<String, String> {
    private static final String KEY = PodNetwork.ANNOTATION;

    /** The other annotations (immutable). */
    private final Map<String, String> others;
    private final long mac;
    private final int ip;
    private final int gateway;
    private final byte prefix;

    private NetworkAnnotations(Map<String, String> others, int ip, int prefix, long mac, int gateway) {
        this.others = others;
        this.ip = ip;
        this.prefix = (byte) prefix;
        this.mac = mac;
        this.gateway = gateway;
    }

    /**
     * {@code annotations} (immutable, without null keys or values) with kovn's value as numbers, or null when it has
     * none or one the numbers do not write out exactly (several addresses, no gateway, another layout).
     */
    static Map<String, String> of(Map<String, String> annotations) {
        String json = annotations.get(KEY);
        if (json == null) {
            return null;
        }
        try {
            Ipv4InterfaceAddress address = Ipv4InterfaceAddress.parse(field(json, "\"ip_address\":\""));
            MacAddress mac = MacAddress.parse(field(json, "\"mac_address\":\""));
            Ipv4Address gateway = Ipv4Address.parse(field(json, "\"gateway_ip\":\""));
            Map<String, String> others = new HashMap<>(annotations);
            others.remove(KEY);
            NetworkAnnotations out = new NetworkAnnotations(Map.copyOf(others), address.address().value(),
                    address.prefix(), mac.value(), gateway.value());
            return json.equals(out.network()) ? out : null;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** The text after {@code prefix} in {@code json} up to the next quote. */
    private static String field(String json, String prefix) {
        int from = json.indexOf(prefix);
        int to = from < 0 ? -1 : json.indexOf('"', from + prefix.length());
        if (to < 0) {
            throw new IllegalArgumentException("no " + prefix);
        }
        return json.substring(from + prefix.length(), to);
    }

    private String network() {
        return new PodNetwork(List.of(new Ipv4InterfaceAddress(new Ipv4Address(ip), prefix)), new MacAddress(mac),
                List.of(new Ipv4Address(gateway))).toJson();
    }

    @Override
    public String get(Object key) {
        return KEY.equals(key) ? network() : others.get(key);
    }

    @Override
    public boolean containsKey(Object key) {
        return KEY.equals(key) || others.containsKey(key);
    }

    @Override
    public int size() {
        return others.size() + 1;
    }

    @Override
    public Set<Entry<String, String>> entrySet() {
        return new AbstractSet<>() {
            @Override
            public Iterator<Entry<String, String>> iterator() {
                Iterator<Entry<String, String>> rest = others.entrySet().iterator();
                return new Iterator<>() {
                    private boolean ownDone;

                    @Override
                    public boolean hasNext() {
                        return !ownDone || rest.hasNext();
                    }

                    @Override
                    public Entry<String, String> next() {
                        if (!ownDone) {
                            ownDone = true;
                            return new SimpleImmutableEntry<>(KEY, network());
                        }
                        if (!rest.hasNext()) {
                            throw new NoSuchElementException();
                        }
                        return rest.next();
                    }
                };
            }

            @Override
            public int size() {
                return NetworkAnnotations.this.size();
            }
        };
    }
}
