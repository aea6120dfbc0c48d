// Opens the node's console in Debian's chromium and walks it as a person would:
// the service list turns green, an address is watched, a notification posted through the API
// appears in the inbox view, the dev-mode button sends another, and a screenshot is saved.
//   node tests/browser/check_console.js
// (env: CONSOLE_URL, ADDRESS, PAYLOAD_FILE, SCREENSHOT, EXPECTED_SERVICES)
// Prints one JSON line with what it saw; tests/e2e/test_console_browser.py asserts on it.
"use strict";

const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const { chromium } = require("playwright-core");

const URL_ = process.env.CONSOLE_URL || "http://localhost:4000/";
const ADDRESS = process.env.ADDRESS;
const PAYLOAD = JSON.parse(fs.readFileSync(process.env.PAYLOAD_FILE, "utf8"));
const SCREENSHOT = process.env.SCREENSHOT;
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
const SERVICES = Number(process.env.EXPECTED_SERVICES || 5);
// The flags this machine's chromium needs (no sandbox as root, no GPU, nothing dialled out).
const FLAGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
];

async function itemTitled(page, list, title, timeout) {
  const started = Date.now();
  await page.locator(`#${list} li.item .title`, { hasText: title }).first().waitFor({ timeout });
  return Date.now() - started;
}

async function walk(page, seen) {
  await page.goto(URL_);
  // Green means every service's /readyz said ready; wait for all five, none red.
  await page.waitForFunction((expected) => {
    const all = document.querySelectorAll("#services li.service");
    return all.length === expected && !document.querySelector("#services li.service.bad");
  }, SERVICES, { timeout: 60000 });
  seen.services = await page.$$eval("#services li.service", (items) =>
    items.map((li) => ({ name: li.dataset.service, ready: li.dataset.ready === "true" })));
  seen.chains = await page.$$eval("#chains tbody tr[data-chain]", (rows) =>
    rows.map((tr) => [tr.dataset.chain, tr.children[1].textContent]));

  await page.fill("#address", ADDRESS);
  await page.click("#watch");
  await page.locator("#socket-state", { hasText: "live" }).waitFor({ timeout: 15000 });

  const response = await fetch(new URL("/apis/v1/payloads/", URL_), {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(PAYLOAD),
  });
  seen.post_status = response.status;
  const title = JSON.parse(PAYLOAD.identity.slice(2)).notification.title;
  seen.posted_ms = await itemTitled(page, "inbox", title, 15000);

  if (await page.isVisible("#send-test")) {
    await page.click("#send-test");
    seen.test_send_ms = await itemTitled(page, "inbox", "Test from the console", 15000);
  }
  // The delivery column settles on a status, or "—" while the node has none for the sid.
  await page.waitForFunction(() => {
    const first = document.querySelector("#inbox li.item .delivery");
    return first && first.textContent !== "…";
  }, null, { timeout: 10000 });
  seen.delivery = await page.textContent("#inbox li.item .delivery");
  seen.inbox = await page.$$eval("#inbox li.item .title", (els) => els.map((e) => e.textContent));
  seen.spam = await page.$$eval("#spam li.item .title", (els) => els.map((e) => e.textContent));
  // The next status poll lists the validator's decision on what we sent.
  await page.locator("#decisions tbody td", { hasText: "NotificationAccepted" }).first()
    .waitFor({ timeout: 10000 });
  seen.decisions = await page.$$eval("#decisions tbody tr", (rows) =>
    rows.map((tr) => tr.children[1].textContent));
  seen.topics = await page.$$eval("#topics tbody tr", (rows) =>
    rows.map((tr) => [tr.children[0].textContent, Number(tr.children[2].textContent)]));
  fs.mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
  await page.screenshot({ path: SCREENSHOT, fullPage: true });
}

async function main() {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "pushnode-console-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
    viewport: { width: 1400, height: 900 },
  });
  const seen = { page_errors: [] };
  try {
    const page = context.pages()[0] || (await context.newPage());
    page.on("pageerror", (err) => seen.page_errors.push(String(err)));
    await walk(page, seen);
  } catch (err) {
    seen.error = String(err && err.stack ? err.stack : err);
  } finally {
    await context.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
  process.stdout.write(JSON.stringify(seen) + "\n");
  process.exit(seen.error ? 1 : 0);
}

main();
