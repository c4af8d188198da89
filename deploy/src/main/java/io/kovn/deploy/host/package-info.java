/**
 * {@code kovn install-host}: kovn on hosts without Kubernetes-managed pods (the original guides' flow). The
 * systemd units of the controller and the node agent, their config files (written with the programs' own option
 * declarations) and the init steps, as a plan of steps that is printed ({@code --dry-run}) or carried out.
 */
package io.kovn.deploy.host;
