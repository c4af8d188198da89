package io.kovn.sandbox;

/** Receives what the sandbox is doing while it comes up or changes, one line at a time. */
@FunctionalInterface
public interface Progress {
    void step(String message);
}
