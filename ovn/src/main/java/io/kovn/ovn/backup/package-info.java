/** Backups of an OVN database taken through kovn's client, and their restore into a new, empty database. */
package io.kovn.ovn.backup;
