package io.kovn.cli;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** An IPv4 or IPv6 address written out (a host name is refused: binding must not depend on name resolution). */
final class IpLiteral implements ITypeConverter<InetAddress> {
    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*");

    @Override
    public InetAddress convert(String value) {
        if (!IPV4.matcher(value).matches() && !IPV6.matcher(value).matches()) {
            throw new TypeConversionException("'" + value + "' is not an IP address");
        }
        try {
            return InetAddress.getByName(value);
        } catch (UnknownHostException e) {
            throw new TypeConversionException("'" + value + "' is not an IP address");
        }
    }
}
