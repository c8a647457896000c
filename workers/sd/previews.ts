/**
 * Forwards sd.cpp's live preview (`--preview proj|tae` rewrites `--preview-path` in place every
 * step, sdcpp.md §1.2) as progress `preview` paths, at most once per `minIntervalMs`.
 *
 * sd.cpp writes the file with fopen/fwrite, so a read can catch it half-written: a copy is
 * forwarded only when it ends with the PNG IEND chunk. Each forwarded copy gets its own name (the
 * editor may still be fetching the previous one); older copies are deleted, all on {@link stop}.
 */
import { readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const IEND = Buffer.from([0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82]);

export class PreviewForwarder {
  private timer: NodeJS.Timeout;
  private lastMtime = 0;
  private lastSent = 0;
  private n = 0;
  private busy = false;
  private readonly sent: string[] = [];

  /**
   * @param source the `--preview-path` sd.cpp writes
   * @param outDir where forwarded copies go (`<prefix>.preview-<n>.png`)
   * @param emit called with each forwarded copy's absolute path
   */
  constructor(
    private readonly source: string,
    private readonly outDir: string,
    private readonly prefix: string,
    private readonly emit: (path: string) => void,
    private readonly minIntervalMs = 333,
  ) {
    this.timer = setInterval(() => void this.poll(), 100);
  }

  private async poll(): Promise<void> {
    if (this.busy || Date.now() - this.lastSent < this.minIntervalMs) return;
    this.busy = true;
    try {
      const st = await stat(this.source).catch(() => null);
      if (!st || st.mtimeMs === this.lastMtime) return;
      const bytes = await readFile(this.source);
      if (bytes.length < 20 || !bytes.subarray(-8).equals(IEND)) return;
      this.lastMtime = st.mtimeMs;
      const dest = join(this.outDir, `${this.prefix}.preview-${++this.n}.png`);
      // write-point: none — a live preview in tmp/previews, swept at start.
      await writeFile(dest, bytes);
      this.sent.push(dest);
      this.lastSent = Date.now();
      this.emit(dest);
      while (this.sent.length > 2) await rm(this.sent.shift()!, { force: true });
    } finally {
      this.busy = false;
    }
  }

  /** Stops polling and deletes every forwarded copy. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    while (this.busy) await new Promise((r) => setTimeout(r, 10));
    await Promise.all(this.sent.splice(0).map((p) => rm(p, { force: true })));
  }
}
