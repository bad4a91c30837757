/** Where the CLI writes: human text by default, JSON with `--json`. */
export class CliOutput {
  constructor(
    readonly json: boolean,
    private readonly stdout: NodeJS.WritableStream = process.stdout,
  ) {}

  /** One line of text. */
  line(text: string): void {
    this.stdout.write(`${text}\n`);
  }

  /** A value as JSON (pretty, for `--json` answers that are not a stream of lines). */
  value(value: unknown): void {
    this.line(JSON.stringify(value, null, 2));
  }

  /** `human()` in human mode, the value as JSON with `--json`. */
  either(value: unknown, human: () => void): void {
    if (this.json) this.value(value);
    else human();
  }

  /** A table with a header row, columns padded to their widest cell. */
  table(
    header: readonly string[],
    rows: ReadonlyArray<ReadonlyArray<string | number | null>>,
  ): void {
    const cells = [
      header,
      ...rows.map((row) => row.map((cell) => (cell === null ? '-' : String(cell)))),
    ];
    const widths = header.map((_h, i) => Math.max(...cells.map((row) => row[i]?.length ?? 0)));
    for (const row of cells) {
      this.line(
        row
          .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
          .join('  ')
          .trimEnd(),
      );
    }
  }
}
