package ffnkit.cli;

import java.util.ArrayList;
import java.util.List;

/** An aligned text table for humans; numbers right-aligned, text left-aligned. */
final class Table {

    private final List<String[]> rows = new ArrayList<>();
    private final int columns;

    Table(String... header) {
        this.columns = header.length;
        rows.add(header);
    }

    Table row(Object... cells) {
        String[] r = new String[columns];
        for (int i = 0; i < columns; i++) {
            Object c = i < cells.length ? cells[i] : "";
            r[i] = c instanceof Double d ? String.format("%.4f", d) : String.valueOf(c);
        }
        rows.add(r);
        return this;
    }

    @Override
    public String toString() {
        int[] width = new int[columns];
        for (String[] r : rows) {
            for (int i = 0; i < columns; i++) {
                width[i] = Math.max(width[i], r[i].length());
            }
        }
        StringBuilder sb = new StringBuilder();
        for (int k = 0; k < rows.size(); k++) {
            String[] r = rows.get(k);
            for (int i = 0; i < columns; i++) {
                boolean numeric = k > 0 && r[i].matches("-?[0-9.,eE+x%-]+");
                String cell = numeric ? " ".repeat(width[i] - r[i].length()) + r[i] : r[i] + " ".repeat(width[i] - r[i].length());
                sb.append(i == 0 ? "" : "  ").append(i == columns - 1 && !numeric ? r[i] : cell);
            }
            sb.append('\n');
        }
        return sb.toString();
    }
}
