#!/usr/bin/env node
// The partner's activation page in a real browser (issue 5, "Activate"): Debian's Chromium,
// driven by playwright-core, against the real `lakeshare serve --data-dir` on loopback.
//
//   provider: registers a catalog, schema and a (tiny, empty) Delta table, creates a share with
//             the table, a TOKEN recipient and the grant, names the organisation, all through
//             the management API; two more recipients: one whose first link is replaced by a
//             rotation before use, one whose IP access list excludes loopback
//   partner:  opens the activation_url of the create reply, sees who shares what with whom and
//             until when, clicks "Download credential file", gets `config.share` (a valid
//             profile), sees its real tables in the pandas example and a warning to protect the
//             file, lists its shares with that bearer token, reloads the page and is told the
//             link was already used; the replaced link and the fenced one offer no download and
//             say why; the partner guides the page links to are served, whole; without an
//             organisation name the page names the server as the sender
//
// Screenshots of each state go to the scratch folder (activation-*.png). The page must run
// without script errors or CSP violations (console errors fail the test), and its own assets
// must load (HTTP errors other than the activation API's refusals and the favicon fail it).

// Usage: node activation_page.mjs --lakeshare BIN --scratch DIR
// Exit 0 on success, 1 on a failed check, 77 (skip) when Chromium or node_modules are missing
// (scripts/install-deps.sh installs both).

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';

import { chromiumPath, launch, missingBrowser } from './chromium.mjs';

const SKIP = 77;
const here = path.dirname(fileURLToPath(import.meta.url));
const UC = '/api/2.1/unity-catalog';
const ADMIN_TOKEN = 'browser-e2e-admin-' + 'a'.repeat(32);
const RECIPIENT = 'acme-browser';
const ROTATED_RECIPIENT = 'bolt-browser';  // its first link is replaced by a rotation, unused
const FENCED_RECIPIENT = 'cargo-browser';  // allowed only from 203.0.113.0/24, not loopback
const ORGANIZATION = 'Lakeshare Browser Test GmbH';
const SHARE = 'browser_share';
// Bounds on promises of the product (the server starts, the page renders), not speed measurements.
const START_TIMEOUT_MS = 60_000;
const PAGE_TIMEOUT_MS = 30_000;

function parseArgs(argv) {
  const out = {};
  for (let i = 0; i < argv.length; i += 2) {
    if (!argv[i].startsWith('--') || i + 1 >= argv.length) {
      throw new Error(`usage: activation_page.mjs --lakeshare BIN --scratch DIR (bad '${argv[i]}')`);
    }
    out[argv[i].slice(2)] = argv[i + 1];
  }
  if (!out.lakeshare || !out.scratch) {
    throw new Error('usage: activation_page.mjs --lakeshare BIN --scratch DIR');
  }
  return out;
}

/// A minimal Delta table: protocol + metaData, no data files (a valid, empty table).
function writeEmptyDeltaTable(dir) {
  const log = path.join(dir, '_delta_log');
  fs.mkdirSync(log, { recursive: true });
  const schema = {
    type: 'struct',
    fields: [
      { name: 'article_id', type: 'long', nullable: false, metadata: {} },
      { name: 'units', type: 'long', nullable: true, metadata: {} },
      { name: 'country', type: 'string', nullable: true, metadata: {} },
    ],
  };
  const lines = [
    { commitInfo: { timestamp: 1767225600000, operation: 'CREATE TABLE' } },
    { protocol: { minReaderVersion: 1, minWriterVersion: 2 } },
    {
      metaData: {
        id: '6f1c2a0e-5d3b-4c4e-9a51-0b7f1d2e3c4a',
        format: { provider: 'parquet', options: {} },
        schemaString: JSON.stringify(schema),
        partitionColumns: ['country'],
        configuration: {},
        createdTime: 1767225600000,
      },
    },
  ];
  fs.writeFileSync(path.join(log, '00000000000000000000.json'),
                   lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
  return dir;
}

/// `lakeshare serve --data-dir` on a free loopback port; resolves with the protocol endpoint.
function startServer(lakeshare, dataDir, logPath) {
  const log = fs.openSync(logPath, 'w');
  const proc = spawn(lakeshare, ['serve', '--data-dir', dataDir, '--listen', '127.0.0.1:0'], {
    env: {
      ...process.env,
      LAKESHARE_ADMIN_TOKEN: ADMIN_TOKEN,
      LAKESHARE_SIGNING_KEY: 'browser-e2e-signing-key-0123456789abcdef',
    },
    stdio: ['ignore', 'pipe', log],
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`the server did not report its address in ${START_TIMEOUT_MS} ms; see ${logPath}`));
    }, START_TIMEOUT_MS);
    const lines = readline.createInterface({ input: proc.stdout });
    lines.on('line', (line) => {
      const m = /^listening on (\S+)/.exec(line.trim());
      if (m) {
        clearTimeout(timer);
        resolve({ proc, endpoint: m[1], base: new URL(m[1]).origin });
      }
    });
    proc.on('exit', (code) => {
      clearTimeout(timer);
      let tail = '';
      try {
        tail = fs.readFileSync(logPath, 'utf8').slice(-2000);
      } catch {}
      reject(new Error(`the server exited (code ${code}) before listening:\n${tail}`));
    });
  });
}

function stopServer(proc) {
  if (!proc || proc.exitCode !== null) {
    return Promise.resolve();
  }
  return new Promise((resolve) => {
    const force = setTimeout(() => proc.kill('SIGKILL'), 30_000);
    proc.on('exit', () => {
      clearTimeout(force);
      resolve();
    });
    proc.kill('SIGTERM');
  });
}

function assert(condition, message) {
  if (!condition) {
    throw new Error(message);
  }
}

/// A management-API call as the metastore admin; fails the test on an unexpected status.
async function api(base, method, pathname, body, expect = 200) {
  const res = await fetch(base + pathname, {
    method,
    headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  assert(res.status === expect, `${method} ${pathname}: expected ${expect}, got ${res.status}: ${text.slice(0, 500)}`);
  return text ? JSON.parse(text) : {};
}

const steps = [];
function step(name, fn) {
  steps.push({ name, fn });
}

// ---- The steps (they share `w`) ----

step('provider: catalog, schema, table, share, recipient and grant through the management API',
     async (w) => {
  const table = writeEmptyDeltaTable(path.join(w.scratch, 'tables', 'daily_sales'));
  // Registration never declares a storage location: the admin declares one first (issue 10).
  await api(w.base, 'POST', `${UC}/external-locations`, { name: 'tables', url: path.dirname(table) });
  await api(w.base, 'POST', `${UC}/catalogs`, { name: 'retail' });
  await api(w.base, 'POST', `${UC}/schemas`, { name: 'sales', catalog_name: 'retail' });
  await api(w.base, 'POST', `${UC}/tables`, {
    name: 'daily_sales', catalog_name: 'retail', schema_name: 'sales', table_type: 'EXTERNAL',
    data_source_format: 'DELTA', storage_location: table,
  });
  await api(w.base, 'POST', `${UC}/shares`, { name: SHARE, comment: 'browser test' });
  await api(w.base, 'PATCH', `${UC}/shares/${SHARE}`, {
    updates: [{ action: 'ADD', data_object: { name: 'retail.sales.daily_sales', data_object_type: 'TABLE' } }],
  });
  const recipient = await api(w.base, 'POST', `${UC}/recipients`, {
    name: RECIPIENT, authentication_type: 'TOKEN', comment: 'browser test partner',
  });
  await api(w.base, 'PATCH', `${UC}/shares/${SHARE}/permissions`, {
    changes: [{ principal: RECIPIENT, add: ['SELECT'] }],
  });
  w.activationUrl = recipient.activation_url ?? recipient.tokens?.[0]?.activation_url;
  assert(typeof w.activationUrl === 'string' && w.activationUrl.includes('/delta-sharing/activation/'),
         `create recipient returned no activation_url: ${JSON.stringify(recipient)}`);
  assert(w.activationUrl.startsWith(w.base + '/'),
         `activation_url ${w.activationUrl} is not on the server ${w.base}`);
  // The organisation the page names as the provider.
  await api(w.base, 'PATCH', `${UC}/metastores/metastore`, { delta_sharing_organization_name: ORGANIZATION });
  // A second partner whose first link is replaced before anyone opened it.
  const rotated = await api(w.base, 'POST', `${UC}/recipients`, {
    name: ROTATED_RECIPIENT, authentication_type: 'TOKEN',
  });
  w.replacedUrl = rotated.activation_url;
  const fresh = await api(w.base, 'POST', `${UC}/recipients/${ROTATED_RECIPIENT}/rotate-token`, {
    existing_token_expire_in_seconds: 0,
  });
  assert(typeof w.replacedUrl === 'string' && fresh.activation_url && fresh.activation_url !== w.replacedUrl,
         'rotate-token did not return a new activation_url');
  w.freshUrl = fresh.activation_url;
  // A third partner whose IP access list excludes this machine.
  const fenced = await api(w.base, 'POST', `${UC}/recipients`, {
    name: FENCED_RECIPIENT, authentication_type: 'TOKEN',
    ip_access_list: { allowed_ip_addresses: ['203.0.113.0/24'] },
  });
  w.fencedUrl = fenced.activation_url;
});

step('partner: the page says what the link is for (recipient name) and offers the download',
     async (w) => {
  const response = await w.page.goto(w.activationUrl);
  assert(response.status() === 200, `GET activation page: HTTP ${response.status()}`);
  await w.page.waitForFunction(
    () => !document.getElementById('details').hidden || document.getElementById('status').className === 'error',
    null, { timeout: PAGE_TIMEOUT_MS });
  const status = await w.page.locator('#status').textContent();
  assert(await w.page.locator('#details').isVisible(), `the download section is hidden; status: '${status}'`);
  const shown = (await w.page.locator('#recipient').textContent()).trim();
  assert(shown === RECIPIENT, `the page shows recipient '${shown}', expected '${RECIPIENT}'`);
  const organization = (await w.page.locator('#organization').textContent()).trim();
  assert(organization === ORGANIZATION,
         `the page shows the provider as '${organization}', expected '${ORGANIZATION}'`);
  const expires = (await w.page.locator('#expires').textContent()).trim();
  assert(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC$/.test(expires),
         `the link's expiry is shown as '${expires}', expected 'YYYY-MM-DD HH:MM:SS UTC'`);
  const token = w.activationUrl.slice(w.activationUrl.lastIndexOf('/') + 1);
  assert(!(await w.page.content()).includes(token), 'the page shows its activation token');
  await w.page.screenshot({ path: path.join(w.scratch, 'activation-ready.png'), fullPage: true });
});

step('partner: "Download credential file" saves config.share, a valid profile', async (w) => {
  const button = w.page.getByRole('button', { name: 'Download credential file' });
  const [download] = await Promise.all([w.page.waitForEvent('download', { timeout: PAGE_TIMEOUT_MS }),
                                        button.click()]);
  assert(download.suggestedFilename() === 'config.share',
         `the download is named '${download.suggestedFilename()}', expected 'config.share'`);
  const saved = path.join(w.scratch, 'config.share');
  await download.saveAs(saved);
  const text = fs.readFileSync(saved, 'utf8');
  let profile;
  try {
    profile = JSON.parse(text);
  } catch (e) {
    throw new Error(`config.share is not JSON (${e.message}): ${text.slice(0, 200)}`);
  }
  assert(profile.shareCredentialsVersion === 1, `shareCredentialsVersion is ${profile.shareCredentialsVersion}`);
  assert(profile.endpoint === w.endpoint, `endpoint is '${profile.endpoint}', expected '${w.endpoint}'`);
  assert(typeof profile.bearerToken === 'string' && profile.bearerToken.length >= 32,
         'bearerToken is missing or shorter than 32 characters');
  if (profile.expirationTime !== undefined) {
    assert(!Number.isNaN(Date.parse(profile.expirationTime)),
           `expirationTime '${profile.expirationTime}' is not an ISO-8601 time`);
  }
  w.profile = profile;
  await w.page.locator('#done').waitFor({ state: 'visible', timeout: PAGE_TIMEOUT_MS });
  // Issue 14 item 7: the example names the partner's real table, listed with its new token.
  await w.page.locator('#tables-found').waitFor({ state: 'visible', timeout: PAGE_TIMEOUT_MS });
  const listed = (await w.page.locator('#tables li').allTextContents()).map((t) => t.trim());
  assert(JSON.stringify(listed) === JSON.stringify([`${SHARE}.sales.daily_sales`]),
         `the page lists the tables ${JSON.stringify(listed)}, expected ["${SHARE}.sales.daily_sales"]`);
  const example = await w.page.locator('#pandas-example').textContent();
  assert(example.includes(`load_as_pandas("config.share#${SHARE}.sales.daily_sales")`),
         `the pandas example does not name the real table: ${example}`);
  const doneText = await w.page.locator('#done').innerText();
  assert(!/<share>|<schema>|<table>/.test(doneText), `the page still shows placeholders: ${doneText}`);
  // Issue 14 item 13: the browser saves the file readable by others; the page says to protect it.
  assert(/chmod 600/.test(doneText), `the page does not tell the partner to protect the file: ${doneText}`);
  w.guidesHref = await w.page.locator('#guides').getAttribute('href');
  assert(!(await w.page.content()).includes(profile.bearerToken), 'the page shows the bearer token');
  await w.page.screenshot({ path: path.join(w.scratch, 'activation-done.png'), fullPage: true });
});

step('partner: the downloaded bearer token lists the granted share', async (w) => {
  const res = await fetch(`${w.profile.endpoint}/shares`, {
    headers: { Authorization: `Bearer ${w.profile.bearerToken}` },
  });
  const text = await res.text();
  assert(res.status === 200, `GET ${w.profile.endpoint}/shares: HTTP ${res.status}: ${text.slice(0, 300)}`);
  const names = (JSON.parse(text).items ?? []).map((s) => s.name);
  assert(names.length === 1 && names[0] === SHARE, `shares listed: ${JSON.stringify(names)}, expected ["${SHARE}"]`);
  const tables = await fetch(`${w.profile.endpoint}/shares/${SHARE}/all-tables`, {
    headers: { Authorization: `Bearer ${w.profile.bearerToken}` },
  });
  assert(tables.status === 200, `GET all-tables: HTTP ${tables.status}`);
  const items = (await tables.json()).items ?? [];
  assert(items.length === 1 && items[0].schema === 'sales' && items[0].name === 'daily_sales',
         `tables listed: ${JSON.stringify(items)}`);
});

step('partner: reloading the page says the link was already used (no second download)',
     async (w) => {
  await w.page.reload();
  await w.page.waitForFunction(
    () => document.getElementById('status').className === 'error' || !document.getElementById('details').hidden,
    null, { timeout: PAGE_TIMEOUT_MS });
  const status = (await w.page.locator('#status').textContent()).trim();
  assert(/already used/i.test(status), `after reload the page says '${status}'`);
  assert(!(await w.page.locator('#details').isVisible()), 'the download button is offered again');
  await w.page.screenshot({ path: path.join(w.scratch, 'activation-used.png'), fullPage: true });
});

step('partner: a link replaced by a rotation is refused without offering a download', async (w) => {
  await w.page.goto(w.replacedUrl);
  await w.page.waitForFunction(
    () => document.getElementById('status').className === 'error' || !document.getElementById('details').hidden,
    null, { timeout: PAGE_TIMEOUT_MS });
  const status = (await w.page.locator('#status').textContent()).trim();
  assert(!(await w.page.locator('#details').isVisible()),
         `the page offers a download for a link that can no longer be used (status: '${status}')`);
  assert(/expired|does not exist|new link|new one/i.test(status),
         `the page does not say the link is no longer valid: '${status}'`);
  await w.page.screenshot({ path: path.join(w.scratch, 'activation-replaced.png'), fullPage: true });
});

step('partner: from an address outside the IP access list the page refuses and says why',
     async (w) => {
  await w.page.goto(w.fencedUrl);
  await w.page.waitForFunction(
    () => document.getElementById('status').className === 'error' || !document.getElementById('details').hidden,
    null, { timeout: PAGE_TIMEOUT_MS });
  const status = (await w.page.locator('#status').textContent()).trim();
  assert(!(await w.page.locator('#details').isVisible()),
         `the page offers a download to an address outside the IP access list (status: '${status}')`);
  assert(/not allowed/i.test(status) && status.includes('127.0.0.1'),
         `the page does not say the address is not allowed: '${status}'`);
  await w.page.screenshot({ path: path.join(w.scratch, 'activation-ip-refused.png'), fullPage: true });
  const recipient = await api(w.base, 'GET', `${UC}/recipients/${FENCED_RECIPIENT}`);
  assert(recipient.activated === false, 'a refused address activated the recipient');
});

step('partner: the guides the page links to are served by the server, plain, in full', async (w) => {
  const index = await w.page.goto(new URL(w.guidesHref, w.base).href);
  assert(index.status() === 200, `GET ${w.guidesHref}: HTTP ${index.status()}`);
  const links = await w.page.locator('a').evaluateAll((as) => as.map((a) => a.href));
  const expected = ['partner-activation.md', 'partner-pandas.md', 'partner-spark.md',
                    'partner-powerbi.md', 'partner-tableau.md', 'partner-excel.md'];
  for (const name of expected) {
    const href = links.find((l) => l.endsWith('/' + name));
    assert(href, `the guides page has no link to ${name}: ${JSON.stringify(links)}`);
    const res = await fetch(href);
    const text = await res.text();
    const source = fs.readFileSync(path.join(here, '..', '..', 'docs', 'guides', name), 'utf8');
    assert(res.status === 200 && text === source, `${href}: HTTP ${res.status}, not the text of docs/guides/${name}`);
  }
});

step('partner: without an organisation name the page names the server, never a dash', async (w) => {
  await api(w.base, 'PATCH', `${UC}/metastores/metastore`, { delta_sharing_organization_name: '' });
  await w.page.goto(w.freshUrl);
  await w.page.waitForFunction(
    () => !document.getElementById('details').hidden || document.getElementById('status').className === 'error',
    null, { timeout: PAGE_TIMEOUT_MS });
  const organization = (await w.page.locator('#organization').textContent()).trim();
  const host = new URL(w.base).host;
  assert(organization === `the server at ${host} (the provider set no organisation name)`,
         `with no organisation name the page shows the sender as '${organization}'`);
  await w.page.screenshot({ path: path.join(w.scratch, 'activation-unnamed.png'), fullPage: true });
});

step('provider: the recipient is shown as activated', async (w) => {
  const recipient = await api(w.base, 'GET', `${UC}/recipients/${RECIPIENT}`);
  assert(recipient.activated === true, `recipient.activated is ${recipient.activated}`);
  assert(!JSON.stringify(recipient).includes(w.profile.bearerToken), 'GET recipient shows the bearer token');
});

step('the page ran without script errors, CSP violations or failed page assets', async (w) => {
  assert(w.consoleErrors.length === 0, `console errors: ${JSON.stringify(w.consoleErrors)}`);
});

// ---- Driver ----

async function main() {
  let args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (e) {
    console.error(e.message);
    return 2;
  }
  const missing = await missingBrowser();
  if (missing) {
    console.log(`SKIP: ${missing}`);
    return SKIP;
  }
  const chromium = chromiumPath();
  if (!fs.existsSync(args.lakeshare)) {
    console.error(`no lakeshare binary at ${args.lakeshare}`);
    return 2;
  }

  fs.rmSync(args.scratch, { recursive: true, force: true });
  fs.mkdirSync(args.scratch, { recursive: true });
  const w = { scratch: path.resolve(args.scratch), consoleErrors: [] };
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lakeshare-chromium-'));
  let server;
  let context;
  let passed = 0;
  let failed = 0;
  try {
    server = await startServer(path.resolve(args.lakeshare), path.join(w.scratch, 'data'),
                               path.join(w.scratch, 'server.log'));
    w.base = server.base;
    w.endpoint = server.endpoint;
    context = await launch(userDataDir);
    w.page = context.pages()[0] ?? await context.newPage();
    w.page.on('console', (msg) => {
      // Chromium also logs every HTTP error status of a resource ("Failed to load resource"),
      // e.g. its own /favicon.ico probe: those are checked through `response` below instead.
      if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource')) {
        w.consoleErrors.push(msg.text());
      }
    });
    w.page.on('response', (res) => {
      const url = new URL(res.url());
      if (res.status() >= 500 || (res.status() >= 400 && url.pathname !== '/favicon.ico' &&
                                  !url.pathname.includes('/public/data_sharing_activation'))) {
        w.consoleErrors.push(`HTTP ${res.status()} for ${url.pathname.replace(/[^/]{32,}/g, '<token>')}`);
      }
    });
    w.page.on('pageerror', (err) => w.consoleErrors.push(String(err)));
    console.log(`browser: ${chromium} ${context.browser()?.version() ?? ''}`.trim());
    for (const { name, fn } of steps) {
      try {
        await fn(w);
        passed += 1;
        console.log(`ok - ${name}`);
      } catch (e) {
        failed += 1;
        console.log(`FAIL - ${name}\n    ${String(e.stack || e).split('\n').join('\n    ')}`);
        if (w.page) {
          await w.page.screenshot({ path: path.join(w.scratch, 'activation-failure.png'), fullPage: true })
            .catch(() => {});
        }
        break;  // later steps depend on this one
      }
    }
  } catch (e) {
    failed += 1;
    console.log(`FAIL - setup\n    ${String(e.stack || e)}`);
  } finally {
    if (context) {
      await context.close().catch(() => {});
    }
    await stopServer(server?.proc);
    fs.rmSync(userDataDir, { recursive: true, force: true });
  }
  const skipped = steps.length - passed - failed;
  console.log(`screenshots and server log: ${w.scratch}`);
  console.log(`${passed} passed, ${failed} failed` + (skipped > 0 ? `, ${skipped} skipped` : ''));
  return failed === 0 ? 0 : 1;
}

process.exitCode = await main();
