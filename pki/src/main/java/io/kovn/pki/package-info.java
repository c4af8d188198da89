/**
 * kovn's PKI: the cluster CA, and the keys and certificates of OVN's OVSDB servers and clients with the usages
 * each {@link io.kovn.pki.Role} needs, written as the PEM files {@code ovsdb-server}, {@code ovn-controller} and
 * kovn's own OVSDB client read. Private keys go to files created 0600 and are never logged.
 */
package io.kovn.pki;
