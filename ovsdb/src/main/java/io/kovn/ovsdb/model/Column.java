package io.kovn.ovsdb.model;

import io.kovn.ovsdb.schema.ColumnType;
import io.kovn.ovsdb.wire.Condition;
import io.kovn.ovsdb.wire.Mutation;
import java.util.Collection;

/**
 * A typed column of a table. Conditions and mutations built from it carry the column's Java type, so a
 * generated model turns a misspelt column or a wrongly typed value into a compile error.
 *
 * @param <T> the Java form of the column's value (see {@link io.kovn.ovsdb.wire.OvsdbJson})
 */
public final class Column<T> {
    private final String table;
    private final String name;
    private final ColumnType type;

    public Column(String table, String name, ColumnType type) {
        this.table = table;
        this.name = name;
        this.type = type;
    }

    public String table() {
        return table;
    }

    public String name() {
        return name;
    }

    public ColumnType type() {
        return type;
    }

    public Condition eq(T value) {
        return new Condition(name, Condition.Function.EQ, value);
    }

    public Condition ne(T value) {
        return new Condition(name, Condition.Function.NE, value);
    }

    /** For sets and maps: the column contains all of {@code value}. */
    public Condition includes(T value) {
        return new Condition(name, Condition.Function.INCLUDES, value);
    }

    public Condition excludes(T value) {
        return new Condition(name, Condition.Function.EXCLUDES, value);
    }

    /** Adds elements to a set column or entries to a map column (existing map keys keep their value). */
    public Mutation insert(T value) {
        return new Mutation(name, Mutation.Mutator.INSERT, value);
    }

    /** Removes elements from a set column, or entries (key and value both matching) from a map column. */
    public Mutation delete(T value) {
        return new Mutation(name, Mutation.Mutator.DELETE, value);
    }

    /** Removes keys from a map column whatever their values. */
    public Mutation deleteKeys(Collection<?> keys) {
        return new Mutation(name, Mutation.Mutator.DELETE, java.util.Set.copyOf(keys));
    }

    @Override
    public String toString() {
        return table + "." + name;
    }
}
