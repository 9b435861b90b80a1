// Debian's Chromium driven by playwright-core (pinned in package.json, installed into
// node_modules/ by scripts/install-deps.sh): where they are and how the tests launch them.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

/// The Chromium binary, or undefined (LAKESHARE_CHROMIUM names another one).
export function chromiumPath() {
  const candidates = [process.env.LAKESHARE_CHROMIUM, '/usr/bin/chromium'].filter(Boolean);
  return candidates.find((p) => fs.existsSync(p));
}

/// playwright-core from node_modules, or null when it is not installed.
export async function loadPlaywright() {
  const entry = path.join(here, 'node_modules', 'playwright-core', 'index.mjs');
  if (!fs.existsSync(entry)) {
    return null;
  }
  return import(entry);
}

/// Why the browser cannot run here (a message for a skip), or null when it can.
export async function missingBrowser() {
  const nodeMajor = Number(process.versions.node.split('.')[0]);
  if (nodeMajor < 20) {
    return `playwright-core needs Node.js 20 or newer, this is ${process.versions.node}`;
  }
  if (!chromiumPath()) {
    return 'Chromium not found at /usr/bin/chromium (apt-get install chromium, or run ' +
           'scripts/install-deps.sh; LAKESHARE_CHROMIUM names another binary)';
  }
  if (!(await loadPlaywright())) {
    return `${path.join(here, 'node_modules')} has no playwright-core (run ` +
           `scripts/install-deps.sh, or \`npm ci\` in ${here})`;
  }
  return null;
}

/// A headless Chromium context on its own profile folder, kept off the network but loopback.
export async function launch(userDataDir) {
  const playwright = await loadPlaywright();
  return playwright.chromium.launchPersistentContext(userDataDir, {
    executablePath: chromiumPath(),
    headless: true,
    acceptDownloads: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
           '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}
