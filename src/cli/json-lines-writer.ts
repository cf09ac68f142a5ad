/** Buffered JSON-lines output that respects backpressure (stdout may be a slow pipe). */
export class JsonLinesWriter {
  #buf: string[] = [];
  #size = 0;

  constructor(private readonly stream: NodeJS.WritableStream) {}

  write(line: string): void {
    this.#buf.push(line);
    this.#size += line.length + 1;
  }

  async drained(): Promise<void> {
    if (this.#size < 1 << 16) return;
    await this.#flush();
  }

  async end(): Promise<void> {
    await this.#flush();
  }

  async #flush(): Promise<void> {
    if (this.#buf.length === 0) return;
    const chunk = this.#buf.join('\n') + '\n';
    this.#buf = [];
    this.#size = 0;
    if (!this.stream.write(chunk)) await new Promise<void>((r) => this.stream.once('drain', () => r()));
  }
}
