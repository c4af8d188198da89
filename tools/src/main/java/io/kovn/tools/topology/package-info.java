/** {@code kovn topology}: the logical network read from NB, as JSON, Graphviz dot or SVG. */
package io.kovn.tools.topology;
