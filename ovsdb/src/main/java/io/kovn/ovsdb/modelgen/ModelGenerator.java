package io.kovn.ovsdb.modelgen;

import io.kovn.ovsdb.schema.AtomicType;
import io.kovn.ovsdb.schema.BaseType;
import io.kovn.ovsdb.schema.ColumnSchema;
import io.kovn.ovsdb.schema.ColumnType;
import io.kovn.ovsdb.schema.DatabaseSchema;
import io.kovn.ovsdb.schema.TableSchema;
import io.kovn.ovsdb.wire.OvsdbJson;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * Generates typed model classes from an {@code .ovsschema} file: one class per table with a {@code TABLE}
 * handle, one typed {@code Column} constant and one getter per column, so a misspelt column does not compile.
 *
 * <p>Usage: {@code ModelGenerator SCHEMA_FILE OUTPUT_DIR JAVA_PACKAGE}. Run by the build (generate-sources).
 */
public final class ModelGenerator {
    private static final Set<String> KEYWORDS = Set.of("abstract", "assert", "boolean", "break", "byte", "case",
            "catch", "char", "class", "const", "continue", "default", "do", "double", "else", "enum", "extends",
            "final", "finally", "float", "for", "goto", "if", "implements", "import", "instanceof", "int",
            "interface", "long", "native", "new", "package", "private", "protected", "public", "return", "short",
            "static", "strictfp", "super", "switch", "synchronized", "this", "throw", "throws", "transient", "try",
            "void", "volatile", "while", "true", "false", "null", "uuid", "row", "equals", "hashCode", "toString",
            "getClass", "notify", "notifyAll", "wait");

    private ModelGenerator() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 3) {
            System.err.println("usage: ModelGenerator SCHEMA_FILE OUTPUT_DIR JAVA_PACKAGE");
            System.exit(2);
        }
        Path schemaFile = Path.of(args[0]);
        JsonNode raw = OvsdbJson.MAPPER.readTree(Files.readString(schemaFile));
        DatabaseSchema schema = DatabaseSchema.parse(raw);
        Path dir = Path.of(args[1]).resolve(args[2].replace('.', '/'));
        Files.createDirectories(dir);
        for (TableSchema table : schema.tables().values()) {
            JsonNode rawColumns = raw.get("tables").get(table.name()).get("columns");
            Files.writeString(dir.resolve(className(table.name()) + ".java"),
                    generate(schema, table, rawColumns, args[2], schemaFile.getFileName().toString()));
        }
    }

    static String generate(DatabaseSchema db, TableSchema table, JsonNode rawColumns, String pkg, String source) {
        String cls = className(table.name());
        StringBuilder b = new StringBuilder();
        b.append("package ").append(pkg).append(";\n\n")
                .append("import io.kovn.ovsdb.model.Column;\n")
                .append("import io.kovn.ovsdb.model.Row;\n")
                .append("import io.kovn.ovsdb.model.Table;\n")
                .append("import io.kovn.ovsdb.model.TypedRow;\n")
                .append("import io.kovn.ovsdb.schema.ColumnType;\n\n")
                .append("/** Table {@code ").append(table.name()).append("} of ").append(db.name()).append(' ')
                .append(db.version()).append(". Generated from ").append(source).append(": do not edit. */\n")
                .append("@SuppressWarnings(\"unchecked\")\n")
                .append("public final class ").append(cls).append(" extends TypedRow {\n")
                .append("    public static final String TABLE_NAME = \"").append(table.name()).append("\";\n")
                .append("    public static final Table<").append(cls).append("> TABLE = new Table<>(\"")
                .append(db.name()).append("\", TABLE_NAME, ").append(cls).append("::new);\n\n");
        for (ColumnSchema c : table.columns().values()) {
            String typeJson = rawColumns.get(c.name()).get("type").toString();
            b.append("    public static final Column<").append(javaType(c.type())).append("> ")
                    .append(constantName(c.name())).append(" =\n            new Column<>(TABLE_NAME, \"").append(c.name())
                    .append("\", ColumnType.parse(").append(javaString(typeJson)).append("));\n");
        }
        b.append("\n    public ").append(cls).append("(Row row) {\n        super(row);\n    }\n");
        for (ColumnSchema c : table.columns().values()) {
            b.append("\n    public ").append(javaType(c.type())).append(' ').append(getterName(c.name()))
                    .append("() {\n        return row.get(").append(constantName(c.name())).append(");\n    }\n");
        }
        b.append("}\n");
        return b.toString();
    }

    static String javaType(ColumnType t) {
        String key = atomType(t.key());
        return switch (t.shape()) {
            case SCALAR -> key;
            case OPTIONAL -> "java.util.Optional<" + key + ">";
            case SET -> "java.util.Set<" + key + ">";
            case MAP -> "java.util.Map<" + key + ", " + atomType(t.value().orElseThrow()) + ">";
        };
    }

    private static String atomType(BaseType b) {
        AtomicType a = b.atomic();
        return switch (a) {
            case INTEGER -> "Long";
            case REAL -> "Double";
            case BOOLEAN -> "Boolean";
            case STRING -> "String";
            case UUID -> "io.kovn.ovsdb.wire.Uuid";
        };
    }

    /** {@code Logical_Switch_Port} -> {@code LogicalSwitchPort}, {@code ACL} -> {@code ACL}. */
    static String className(String table) {
        StringBuilder b = new StringBuilder();
        for (String part : table.split("_")) {
            if (!part.isEmpty()) {
                b.append(Character.toUpperCase(part.charAt(0))).append(part.substring(1));
            }
        }
        return b.toString();
    }

    static String constantName(String column) {
        String c = column.replaceAll("[^A-Za-z0-9]", "_").toUpperCase(Locale.ROOT);
        return c.equals("TABLE") || c.equals("TABLE_NAME") ? c + "_COLUMN" : c;
    }

    static String getterName(String column) {
        StringBuilder b = new StringBuilder();
        boolean up = false;
        for (char ch : column.toCharArray()) {
            if (!Character.isLetterOrDigit(ch)) {
                up = true;
            } else {
                b.append(up && b.length() > 0 ? Character.toUpperCase(ch) : ch);
                up = false;
            }
        }
        String g = b.toString();
        return KEYWORDS.contains(g) ? g + "_" : g;
    }

    private static String javaString(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
