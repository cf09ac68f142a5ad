/**
 * Progress on stderr for long work: a redrawn bar on a terminal, a line every few seconds
 * otherwise (CI logs), nothing for small inputs.
 */
export class Progress {
  #done = 0;
  #lastDraw = 0;
  readonly #tty = Boolean(process.stderr.isTTY);
  readonly #started = Date.now();

  constructor(
    private readonly label: string,
    private readonly total: number,
    private readonly minTotal = 8 * 1024 * 1024,
  ) {}

  advance(n: number): void {
    this.#done += n;
    if (this.total < this.minTotal) return;
    const now = Date.now();
    if (now - this.#lastDraw < (this.#tty ? 100 : 5000)) return;
    this.#lastDraw = now;
    this.#draw(false);
  }

  finish(): void {
    if (this.total >= this.minTotal) this.#draw(true);
  }

  #draw(final: boolean): void {
    const frac = this.total > 0 ? Math.min(1, this.#done / this.total) : 1;
    const secs = (Date.now() - this.#started) / 1000;
    const pct = (frac * 100).toFixed(1).padStart(5);
    if (this.#tty) {
      const width = 30;
      const fill = Math.round(frac * width);
      process.stderr.write(`\r${this.label} [${'#'.repeat(fill)}${'.'.repeat(width - fill)}] ${pct}% ${secs.toFixed(1)}s${final ? '\n' : ''}`);
    } else {
      process.stderr.write(`${this.label} ${pct}% ${secs.toFixed(1)}s\n`);
    }
  }
}
