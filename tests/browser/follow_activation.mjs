#!/usr/bin/env node
// A partner in a browser, as a printed instruction says: open LINK, click the button named
// BUTTON, and keep the download in DOWNLOADS under the name the server suggests (what Chromium
// does with its default Downloads folder). Used by tests/e2e/demo_e2e.py to follow `make run`'s
// printed browser path. Prints one JSON object on stdout:
//   {"saved": path or null, "status": text, "organization": text, "done": text of the section
//    shown after the download, "tables": [names listed there], "example": the pandas example,
//    "guides": absolute URL of the guides link, "console_errors": [...]}
// Exit 0 when the page could be driven (the caller judges the result), 1 on a failure to drive
// it, 77 (skip) when Chromium or playwright-core is missing.
//
// Usage: node follow_activation.mjs --link URL --button TEXT --downloads DIR

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { launch, missingBrowser } from './chromium.mjs';

const PAGE_TIMEOUT_MS = 30_000;  // a bound on the page rendering at all, not a speed check

function parseArgs(argv) {
  const out = {};
  for (let i = 0; i < argv.length; i += 2) {
    out[argv[i].replace(/^--/, '')] = argv[i + 1];
  }
  if (!out.link || !out.button || !out.downloads) {
    throw new Error('usage: follow_activation.mjs --link URL --button TEXT --downloads DIR');
  }
  return out;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const missing = await missingBrowser();
  if (missing) {
    console.log(`SKIP: ${missing}`);
    return 77;
  }
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lakeshare-chromium-'));
  const context = await launch(userDataDir);
  const out = { saved: null, console_errors: [] };
  try {
    const page = context.pages()[0] ?? await context.newPage();
    page.on('console', (msg) => {
      if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource')) {
        out.console_errors.push(msg.text());
      }
    });
    page.on('pageerror', (err) => out.console_errors.push(String(err)));
    await page.goto(args.link);
    await page.waitForFunction(
      () => !document.getElementById('details').hidden || document.getElementById('status').className === 'error',
      null, { timeout: PAGE_TIMEOUT_MS });
    out.organization = (await page.locator('#organization').textContent()).trim();
    out.status = (await page.locator('#status').textContent()).trim();
    const button = page.getByRole('button', { name: args.button, exact: true });
    if (await button.isVisible()) {
      const [download] = await Promise.all([page.waitForEvent('download', { timeout: PAGE_TIMEOUT_MS }),
                                            button.click()]);
      fs.mkdirSync(args.downloads, { recursive: true });
      out.saved = path.join(args.downloads, download.suggestedFilename());
      await download.saveAs(out.saved);
      await page.locator('#done').waitFor({ state: 'visible', timeout: PAGE_TIMEOUT_MS });
      await page.waitForFunction(
        () => !document.getElementById('tables-found').hidden ||
              !/^Looking up/.test(document.getElementById('tables-status').textContent),
        null, { timeout: PAGE_TIMEOUT_MS });
      out.status = (await page.locator('#status').textContent()).trim();
      out.done = await page.locator('#done').innerText();
      out.tables = (await page.locator('#tables li').allTextContents()).map((t) => t.trim());
      out.example = await page.locator('#pandas-example').textContent();
      out.guides = new URL(await page.locator('#guides').getAttribute('href'), page.url()).href;
    }
  } finally {
    await context.close().catch(() => {});
    fs.rmSync(userDataDir, { recursive: true, force: true });
  }
  console.log(JSON.stringify(out));
  return 0;
}

main().then((code) => { process.exitCode = code; }, (e) => {
  console.error(`follow_activation: ${e.stack || e}`);
  process.exitCode = 1;
});
