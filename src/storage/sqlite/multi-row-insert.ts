import type BetterSqlite3 from 'better-sqlite3';

/**
 * INSERT of many rows in few native calls: n rows go out as multi-row statements of 256, 128,
 * …, 1 rows (the binary digits of n), each prepared once on first use. On the transparency
 * log's append path a statement per row would cost more than SQLite's own work, and a
 * fixed-size statement alone leaves the remainder row by row.
 */
export class MultiRowInsert {
  static readonly MAX_ROWS = 256;
  private readonly statements = new Map<number, BetterSqlite3.Statement<unknown[]>>();
  private readonly args: unknown[][] = [];

  /** `head` is "INSERT INTO t (a, b, c)"; every row has `columns` values. */
  constructor(
    private readonly raw: BetterSqlite3.Database,
    private readonly head: string,
    private readonly columns: number,
  ) {}

  /** Inserts rows [0, n), calling `fill(i, args, offset)` to write row i's values at args[offset…]. */
  run(n: number, fill: (i: number, args: unknown[], offset: number) => void): void {
    let i = 0;
    for (let rows = MultiRowInsert.MAX_ROWS; rows >= 1; rows >>= 1) {
      while (n - i >= rows) {
        const args = (this.args[rows] ??= new Array<unknown>(rows * this.columns));
        for (let k = 0; k < rows; k++) fill(i + k, args, k * this.columns);
        this.statement(rows).run(args);
        i += rows;
      }
    }
  }

  private statement(rows: number): BetterSqlite3.Statement<unknown[]> {
    let s = this.statements.get(rows);
    if (!s) {
      const row = `(${Array(this.columns).fill('?').join(', ')})`;
      // 256 rows of a few columns stay far below SQLite's limit of 32,766 bound parameters.
      s = this.raw.prepare<unknown[]>(`${this.head} VALUES ${Array(rows).fill(row).join(', ')}`);
      this.statements.set(rows, s);
    }
    return s;
  }
}
