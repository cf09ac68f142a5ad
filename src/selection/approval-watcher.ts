/**
 * Watches the approval files, the approvals directory and the revocation list, and calls
 * `onChange` once per burst of changes (debounced). Files are watched through their directory,
 * because editors and `mv` replace a file (new inode) rather than write into it. Where fs.watch is
 * unavailable or fails (some network and container filesystems), it falls back to polling.
 */
import { watch, watchFile, unwatchFile, type FSWatcher } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';

export interface ApprovalWatcherOptions {
  debounceMs?: number;
  pollMs?: number;
  /** Told once when a path is polled instead of watched. */
  onFallback?(path: string): void;
  /** 'poll' skips fs.watch (filesystems known not to support it; tests of the fallback). */
  mode?: 'watch' | 'poll';
}

export function watchApprovalFiles(paths: { dirs: string[]; files: string[] }, onChange: () => void, options: ApprovalWatcherOptions = {}): () => void {
  const debounceMs = options.debounceMs ?? 300;
  const pollMs = options.pollMs ?? 2000;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const fire = () => {
    if (stopped) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      if (!stopped) onChange();
    }, debounceMs);
    timer.unref();
  };
  const watchers: FSWatcher[] = [];
  const polled: string[] = [];
  const poll = (path: string) => {
    if (polled.includes(path)) return;
    polled.push(path);
    options.onFallback?.(path);
    watchFile(path, { interval: pollMs, persistent: false }, (cur, prev) => {
      if (cur.mtimeMs !== prev.mtimeMs || cur.size !== prev.size || cur.ino !== prev.ino) fire();
    });
  };
  const watchDir = (dir: string, names: Set<string> | null, pollTargets: string[]) => {
    if (options.mode === 'poll') {
      for (const p of pollTargets) poll(p);
      return;
    }
    try {
      const w = watch(dir, { persistent: false }, (_event, name) => {
        if (names === null || name === null || names.has(String(name))) fire();
      });
      w.on('error', () => {
        w.close();
        for (const p of pollTargets) poll(p);
      });
      watchers.push(w);
    } catch {
      for (const p of pollTargets) poll(p);
    }
  };
  for (const d of paths.dirs) watchDir(resolve(d), null, [resolve(d)]);
  const byDir = new Map<string, string[]>();
  for (const f of paths.files) {
    const abs = resolve(f);
    const list = byDir.get(dirname(abs)) ?? [];
    list.push(abs);
    byDir.set(dirname(abs), list);
  }
  for (const [dir, files] of byDir) watchDir(dir, new Set(files.map((f) => basename(f))), files);
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    for (const w of watchers) w.close();
    for (const p of polled) unwatchFile(p);
  };
}
