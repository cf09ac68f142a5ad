/**
 * Shared harness of the browser tests: the real `sakimori serve --demo` on a free port with a
 * temp data dir, and Debian's chromium through playwright-core (never a downloaded browser).
 * Without a build or /usr/bin/chromium the tests fail, they do not skip.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { REPO_ROOT } from './paths.js';

const CLI = join(REPO_ROOT, 'dist/src/cli/main.js');
const WEB_DIST = join(REPO_ROOT, 'web/dist/index.html');
export const CHROMIUM = '/usr/bin/chromium';
const HEALTH_TIMEOUT_MS = 30_000;
export const DATA_TIMEOUT_MS = 20_000;
const VIEWPORT = { width: 1280, height: 900 };

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `read` until `ok` holds, failing with the last value seen. */
export async function eventually<T>(what: string, read: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = DATA_TIMEOUT_MS): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await read();
    if (ok(last)) return last;
    await sleep(250);
  }
  assert.fail(`${what}: not within ${timeoutMs} ms (last: ${JSON.stringify(last)})`);
}

export interface RunningServer {
  url: string;
  proc: ChildProcess;
  dataDir: string;
  output: () => string;
}

export async function startServer(extraArgs: string[], prepare?: (dataDir: string) => Promise<void>): Promise<RunningServer> {
  assert.ok(existsSync(CLI), `${CLI} is missing: run npm run build`);
  assert.ok(existsSync(WEB_DIST), `${WEB_DIST} is missing: run npm run build`);
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'sakimori-web-'));
  await prepare?.(dataDir);
  const args = [CLI, 'serve', '--demo', '--http-port', String(port), '--netflow-port', '0', '--sflow-port', '0', '--data-dir', dataDir, ...extraArgs];
  const proc = spawn(process.execPath, args, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  // Keep the tail of the server's log for failure messages; reading also keeps its pipes from filling.
  let log = '';
  const keep = (chunk: Buffer) => {
    log = (log + chunk.toString('utf8')).slice(-8_000);
  };
  proc.stdout?.on('data', keep);
  proc.stderr?.on('data', keep);
  const server: RunningServer = { url: `http://127.0.0.1:${port}`, proc, dataDir, output: () => log };

  const deadline = Date.now() + HEALTH_TIMEOUT_MS;
  while (true) {
    if (proc.exitCode !== null) assert.fail(`sakimori serve exited with ${proc.exitCode}:\n${log}`);
    try {
      const res = await fetch(`${server.url}/healthz`, { signal: AbortSignal.timeout(2_000) });
      if (res.status === 200) return server;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stopServer(server);
      assert.fail(`GET /healthz did not answer 200 within ${HEALTH_TIMEOUT_MS} ms:\n${log}`);
    }
    await sleep(200);
  }
}

export async function stopServer(server: RunningServer | undefined): Promise<void> {
  if (server === undefined) return;
  const { proc } = server;
  if (proc.exitCode === null && proc.signalCode === null) {
    const exited = new Promise<void>((r) => proc.once('exit', () => r()));
    proc.kill('SIGTERM');
    const timedOut = await Promise.race([exited.then(() => false), sleep(5_000).then(() => true)]);
    if (timedOut) {
      proc.kill('SIGKILL');
      await exited;
    }
  }
  rmSync(server.dataDir, { recursive: true, force: true });
}

export async function launchBrowser(): Promise<Browser> {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install chromium (the tests never download a browser)`);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** A fresh context (empty localStorage) per suite; page errors are collected to fail the suite. */
export async function openPage(browser: Browser, pageErrors: string[]): Promise<Page> {
  const context = await browser.newContext({ viewport: VIEWPORT, locale: 'ja-JP' });
  const page = await context.newPage();
  page.on('pageerror', (e) => pageErrors.push(e.message));
  return page;
}

export async function screenshot(page: Page, path: string): Promise<void> {
  mkdirSync(dirname(path), { recursive: true });
  await page.screenshot({ path, fullPage: true });
}

