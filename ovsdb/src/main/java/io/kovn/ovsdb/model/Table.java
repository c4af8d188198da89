package io.kovn.ovsdb.model;

import java.util.function.Function;

/** A typed handle on a table: its name and how to view a {@link Row} as the generated model class. */
public final class Table<M> {
    private final String database;
    private final String name;
    private final Function<Row, M> wrapper;

    public Table(String database, String name, Function<Row, M> wrapper) {
        this.database = database;
        this.name = name;
        this.wrapper = wrapper;
    }

    public String database() {
        return database;
    }

    public String name() {
        return name;
    }

    public M wrap(Row row) {
        return wrapper.apply(row);
    }

    @Override
    public String toString() {
        return database + "." + name;
    }
}
