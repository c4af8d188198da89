package io.kovn.bench;

import java.io.PrintStream;

/** What every benchmark gives its command: one JSON object, or a table for a person. */
public interface BenchResult {
    String toJson();

    void printTable(PrintStream out);

    /** The JSON object ({@code json}) or the table, on {@code out}. */
    default void print(boolean json, PrintStream out) {
        if (json) {
            out.println(toJson());
        } else {
            printTable(out);
        }
    }
}
