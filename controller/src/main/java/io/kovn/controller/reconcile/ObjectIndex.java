package io.kovn.controller.reconcile;

import java.util.List;

/** A store's objects by the values its indexers give them, as an informer's {@code byIndex}. */
@FunctionalInterface
public interface ObjectIndex<T> {
    /** The objects {@code index} gives {@code value}, in no particular order. */
    List<T> byIndex(String index, String value);
}
