/**
 * {@code kovn audit [--fix]}: the controller's full sync run dry against the live Northbound
 * ({@link io.kovn.controller.NbAudit}), printed row by row.
 */
package io.kovn.tools.audit;
