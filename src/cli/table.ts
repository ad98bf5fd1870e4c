export interface Column {
  header: string;
  /** Numbers read best right-aligned, so that is the default. */
  align?: "left" | "right";
}

/**
 * A plain-text table: a header row, a rule under it, then the rows, columns padded to their widest cell and
 * separated by two spaces. Every line ends with "\n".
 */
export function formatTable(columns: readonly Column[], rows: readonly (readonly string[])[]): string {
  const widths = columns.map((column, i) => Math.max(column.header.length, ...rows.map((row) => (row[i] ?? "").length)));
  const line = (cells: readonly string[]) =>
    columns
      .map((column, i) => {
        const cell = cells[i] ?? "";
        return column.align === "left" ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!);
      })
      .join("  ")
      .trimEnd() + "\n";
  return line(columns.map((c) => c.header)) + line(widths.map((w) => "-".repeat(w))) + rows.map(line).join("");
}
