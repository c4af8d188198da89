package io.kovn.tools.topology;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * {@code --format svg} through the real Graphviz {@code dot} (installed by scripts/install-deps.sh): every node of the
 * graph is drawn, with its label.
 */
class TopologySvgTest {
    @Test
    void dotDrawsEveryNodeWithItsLabel() throws Exception {
        String svg = TopologyCommand.svg("graph kovn {\n  \"ovn_cluster_router\" [shape=box, label=\"ovn_cluster_router\\n"
                + "cluster router\"];\n  \"node1\" [shape=ellipse, label=\"node1\\nnode switch\"];\n"
                + "  \"ovn_cluster_router\" -- \"node1\" [label=\"10.244.0.1/24\"];\n}\n");
        assertThat(svg).contains("<svg").contains("<title>ovn_cluster_router</title>").contains("<title>node1</title>")
                .contains(">cluster router</text>").contains(">10.244.0.1/24</text>").endsWith("</svg>\n");
    }
}
