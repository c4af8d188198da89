package io.kovn.sandbox.standins;

import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import java.util.function.Consumer;

/** An informer handler that reacts the same way to every change (the stand-ins are level-triggered). */
final class Handler<T> implements ResourceEventHandler<T> {
    private final Consumer<T> changed;

    Handler(Consumer<T> changed) {
        this.changed = changed;
    }

    @Override
    public void onAdd(T obj) {
        changed.accept(obj);
    }

    @Override
    public void onUpdate(T oldObj, T newObj) {
        changed.accept(newObj);
    }

    @Override
    public void onDelete(T obj, boolean deletedFinalStateUnknown) {
        changed.accept(obj);
    }
}
