package io.kovn.ovsdb.model;

import io.kovn.ovsdb.wire.Uuid;

/** Base of the generated model classes: a typed view on a {@link Row}. */
public abstract class TypedRow {
    protected final Row row;

    protected TypedRow(Row row) {
        this.row = row;
    }

    public Uuid uuid() {
        return row.uuid();
    }

    public Row row() {
        return row;
    }

    @Override
    public boolean equals(Object o) {
        return o != null && o.getClass() == getClass() && ((TypedRow) o).row.equals(row);
    }

    @Override
    public int hashCode() {
        return row.hashCode();
    }

    @Override
    public String toString() {
        return row.toString();
    }
}
