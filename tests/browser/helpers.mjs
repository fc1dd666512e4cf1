// Shared plumbing for the console browser tests: one Partner Center server (demo data, throw-away
// SQLite database) per test file, one headless Chromium per test file, a fresh browser context per
// test, and a screenshot in tests/browser/screenshots/ whenever a test fails.

import { spawn, execFileSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, rmSync, copyFileSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const BROWSER_DIR = dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = resolve(BROWSER_DIR, '..', '..');
export const SCREENSHOT_DIR = join(BROWSER_DIR, 'screenshots');

/** Fixed test master key: 64 hex digits (never used outside these throw-away databases). */
export const MASTER_KEY = '0123456789abcdef'.repeat(4);

export const DEMO_PASSWORD = 'Demo-2026-pass';

const HEALTH_TIMEOUT_MS = 30_000;
const ACTION_TIMEOUT_MS = 15_000;

function serverBinary() {
  const bin = process.env.PC_BIN || join(REPO_ROOT, 'target', 'debug', 'partner-center');
  if (!existsSync(bin)) {
    throw new Error(`partner-center binary not found at ${bin} (build it with \`cargo build -p partner-center\` or set PC_BIN)`);
  }
  return bin;
}

function freePort() {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolvePort(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Start `partner-center serve --demo` on a free port with a fresh database.
 * Resolves once `GET /healthz` answers 200. Returns { baseURL, port, dir, logPath, stop() }.
 */
export async function startServer({ extraArgs = [] } = {}) {
  const bin = serverBinary();
  const dir = mkdtempSync(join(tmpdir(), 'pc-browser-'));
  const port = await freePort();
  const listen = `127.0.0.1:${port}`;
  const baseURL = `http://${listen}`;
  const logPath = join(dir, 'server.log');
  const log = createWriteStream(logPath);

  const child = spawn(bin, ['serve', '--listen', listen, '--database', `sqlite://${join(dir, 'pc.db')}`, '--demo', ...extraArgs], {
    cwd: dir,
    env: { ...process.env, PC_MASTER_KEY: MASTER_KEY, PC_LANG: 'en-US' }, // its output parsed in English
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.pipe(log, { end: false });
  child.stderr.pipe(log, { end: false });

  let exited = null;
  const exitPromise = new Promise((r) => {
    child.on('exit', (code, signal) => {
      exited = { code, signal };
      r(exited);
    });
  });
  const killOnExit = () => {
    try {
      child.kill('SIGKILL');
    } catch {}
  };
  process.on('exit', killOnExit);

  const stop = async () => {
    process.off('exit', killOnExit);
    if (!exited) {
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exitPromise;
      clearTimeout(t);
    }
    await new Promise((r) => log.end(r));
  };

  const logTail = () => {
    try {
      return readFileSync(logPath, 'utf8').split('\n').slice(-40).join('\n');
    } catch {
      return '';
    }
  };

  const deadline = Date.now() + HEALTH_TIMEOUT_MS;
  let lastErr = 'no answer';
  for (;;) {
    if (exited) {
      await stop();
      throw new Error(`partner-center exited early (${JSON.stringify(exited)}); log:\n${logTail()}`);
    }
    try {
      const res = await fetch(`${baseURL}/healthz`, { signal: AbortSignal.timeout(2_000) });
      if (res.status === 200) break;
      lastErr = `status ${res.status}`;
    } catch (e) {
      lastErr = String(e && e.cause ? e.cause.code || e.cause : e);
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`partner-center did not answer GET /healthz with 200 within 30 s (${lastErr}); log:\n${logTail()}`);
    }
    await sleep(100);
  }

  return {
    baseURL,
    port,
    dir,
    logPath,
    logTail,
    /** Stop the server; remove its directory unless `keep` (then the log is copied next to screenshots). */
    async stop({ keep = false, name = 'server' } = {}) {
      await stop();
      if (keep) {
        mkdirSync(SCREENSHOT_DIR, { recursive: true });
        try {
          copyFileSync(logPath, join(SCREENSHOT_DIR, `${name}.log`));
        } catch {}
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

function chromiumPath() {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  try {
    return execFileSync('which', ['chromium'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error('chromium not found on PATH (install it: apt-get install -y chromium)');
  }
}

/** Launch headless Chromium (playwright-core creates and removes a fresh --user-data-dir). */
export async function launchBrowser() {
  return chromium.launch({ executablePath: chromiumPath(), headless: true, args: CHROMIUM_ARGS });
}

/**
 * A per-file fixture: call `setup()` in `before`, `teardown()` in `after`. `pageTest(t, fn, opts)`
 * runs `fn({ page, context, base })` in a fresh browser context and, if it throws, saves a
 * screenshot named after the test before rethrowing.
 */
/** `serverArgs`: extra `serve` arguments (e.g. `--test-clock`). */
export function createFixture(fileName, { serverArgs = [] } = {}) {
  const fx = {
    server: null,
    browser: null,
    failed: false,
    get base() {
      return fx.server.baseURL;
    },
    async setup() {
      fx.server = await startServer({ extraArgs: serverArgs });
      fx.browser = await launchBrowser();
    },
    async teardown() {
      if (fx.browser) await fx.browser.close().catch(() => {});
      if (fx.server) await fx.server.stop({ keep: fx.failed, name: `${fileName}-server` });
    },
    async newContext(opts = {}) {
      const context = await fx.browser.newContext({ baseURL: fx.server.baseURL, ...opts });
      context.setDefaultTimeout(ACTION_TIMEOUT_MS);
      context.setDefaultNavigationTimeout(ACTION_TIMEOUT_MS);
      return context;
    },
    async pageTest(t, fn, opts = {}) {
      const context = await fx.newContext(opts);
      const page = await context.newPage();
      const extra = { contexts: [context] };
      extra.newContext = async (o = {}) => {
        const c = await fx.newContext(o);
        extra.contexts.push(c);
        return c;
      };
      try {
        await fn({ page, context, base: fx.server.baseURL, newContext: extra.newContext });
      } catch (err) {
        fx.failed = true;
        await saveScreenshot(page, t.name);
        throw err;
      } finally {
        for (const c of extra.contexts) await c.close().catch(() => {});
      }
    },
  };
  return fx;
}

export function screenshotName(testName) {
  return (
    testName
      .replace(/[^A-Za-z0-9._-]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 120) || 'test'
  );
}

export async function saveScreenshot(page, testName) {
  try {
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    const path = join(SCREENSHOT_DIR, `${screenshotName(testName)}.png`);
    await page.screenshot({ path, fullPage: true, timeout: 10_000 });
    return path;
  } catch {
    return null;
  }
}

/**
 * Run `partner-center ARGS…` against a running test server's database (the command line an
 * operator would use beside the server); returns its standard output. Throws on a non-zero exit.
 */
export function runCli(server, args) {
  return execFileSync(serverBinary(), ['--database', `sqlite://${join(server.dir, 'pc.db')}`, ...args], {
    cwd: server.dir,
    env: { ...process.env, PC_MASTER_KEY: MASTER_KEY, PC_LANG: 'en-US' }, // its output parsed in English
    encoding: 'utf8',
  });
}

// ---------------------------------------------------------------------------------------------
// Console helpers

/** Click `selector` (a submit button) and wait for the resulting full-page navigation. */
export async function submitAndWait(page, selector) {
  const [response] = await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click(selector)]);
  return response;
}

export function pathOf(page) {
  return new URL(page.url()).pathname;
}

export function isConsoleHome(page) {
  const p = pathOf(page);
  return p === '/console' || p === '/console/';
}

/** Fill and submit the login form. Does not assert the outcome. */
export async function submitLogin(page, login, password = DEMO_PASSWORD) {
  await page.goto('/console/login');
  await page.fill('form#login-form input[name=login]', login);
  await page.fill('form#login-form input[name=password]', password);
  return submitAndWait(page, 'form#login-form button#login-submit');
}

/** Log in and assert we land on the console home. */
export async function login(page, loginName, password = DEMO_PASSWORD) {
  await submitLogin(page, loginName, password);
  if (!isConsoleHome(page)) {
    const flash = await page.locator('.flash').allTextContents().catch(() => []);
    throw new Error(`login as ${loginName} did not land on /console (at ${page.url()}; flash: ${JSON.stringify(flash)})`);
  }
}

/** Press the logout button and wait for the navigation. */
export async function logout(page) {
  return submitAndWait(page, 'form#logout-form button#logout');
}

/** data-nav values of the main navigation. */
export async function navItems(page) {
  return page.locator('nav#main-nav a[data-nav]').evaluateAll((els) => els.map((e) => e.getAttribute('data-nav')));
}

/** Text of an element, or its value for form controls. */
export async function shownText(locator) {
  return locator.evaluate((el) =>
    (el instanceof HTMLInputElement || el instanceof HTMLTextAreaElement ? el.value : el.textContent || '').trim(),
  );
}
