package io.kovn.bench.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import java.util.List;
import org.junit.jupiter.api.Test;

/** What the footprint benchmark reads from jcmd's output. */
class NodeFootprintBenchTest {
    @Test
    void classesLoadedAndSharedComeFromTheMetaspaceReport() {
        String report = """
                1312:

                Total Usage - 36 loaders, 2494 classes (909 shared):
                  Non-Class:  269 chunks,     10.11 MB capacity,    7.74 MB ( 77%) committed,     7.69 MB ( 76%) used
                """;
        assertThat(NodeFootprintBench.classes(report)).containsExactly(2494, 909);
    }

    @Test
    void threadsAreCountedByNameWithoutTheirNumbersMostFirst() {
        String dump = """
                "main" #1 prio=5 os_prio=0 cpu=1.0ms elapsed=1.0s tid=0x1 nid=0x1 waiting on condition
                "cni-1" #20 daemon prio=5
                "cni-12" #21 daemon prio=5
                "vert.x-eventloop-thread-0" #30 daemon prio=5
                "VM Thread" os_prio=0 cpu=1.0ms
                """;
        assertThat(NodeFootprintBench.threadsByName(dump)).containsExactly(
                entry("cni-#", 2),
                entry("VM Thread", 1),
                entry("main", 1),
                entry("vert.x-eventloop-thread-#", 1));
    }

    @Test
    void nativeMemoryCategoriesAreReadAsCommittedKib() {
        String summary = """
                Total: reserved=1500000KB, committed=120000KB
                -                 Java Heap (reserved=196608KB, committed=34880KB)
                                            (mmap: reserved=196608KB, committed=34880KB)
                -                     Class (reserved=1050000KB, committed=6300KB)
                -                 Metaspace (reserved=40000KB, committed=37000KB)
                """;
        assertThat(NodeFootprintBench.nativeMemory(summary)).containsExactly(
                entry("Java Heap", 34880L),
                entry("Class", 6300L),
                entry("Metaspace", 37000L));
    }

    @Test
    void medianOfAnEvenCountIsTheMeanOfTheMiddleTwo() {
        assertThat(NodeFootprintBench.median(List.of(3.0, 1.0, 4.0, 2.0))).isEqualTo(2.5);
        assertThat(NodeFootprintBench.median(List.of(5.0, 1.0, 3.0))).isEqualTo(3.0);
    }
}
