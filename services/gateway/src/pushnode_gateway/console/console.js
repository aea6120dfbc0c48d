// The pushnode console: polls GET /apis/v1/node/status and /apis/v1/channels, and watches one
// wallet's inbox and spam box over the socket.io events the SDK uses (userFeeds, userSpamFeeds).
// Every value from the node is put in the page as text (textContent), never as HTML: a
// notification's title and body are written by whoever sent it.
"use strict";

const API = "/apis/v1";
const STATUS_EVERY_MS = 2000;
const CHANNELS_EVERY_MS = 5000;
const DELIVERIES_EVERY_MS = 4000;
let socket = null;
let watching = null;
let devMode = false;

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key === "class") node.className = value;
    else if (key === "dataset") Object.assign(node.dataset, value);
    else node.setAttribute(key, value);
  }
  for (const child of children) {
    node.append(child instanceof Node ? child : document.createTextNode(child ?? "—"));
  }
  return node;
}

function fill(tbodyOrList, rows) {
  tbodyOrList.replaceChildren(...rows);
}

function cell(value, cls = "") {
  return el("td", cls ? { class: cls } : {}, value === null || value === undefined ? "—" : String(value));
}

function short(address) {
  return address && address.length > 14 ? `${address.slice(0, 8)}…${address.slice(-6)}` : address;
}

function clock(iso) {
  return iso ? new Date(iso).toLocaleTimeString() : "—";
}

async function getJson(path) {
  const response = await fetch(path, { cache: "no-store" });
  if (!response.ok) throw new Error(`${path}: ${response.status}`);
  return response.json();
}

// ---------------------------------------------------------------- node status --

function renderServices(services) {
  fill(document.getElementById("services"), services.map((s) => {
    const checks = el("span", { class: "checks" });
    if (!s.reachable) checks.append("no answer");
    for (const c of s.checks) {
      checks.append(el("span", { class: c.ok ? "" : "failing" }, `${c.ok ? "✓" : "✗"} ${c.name}  `));
    }
    return el("li", { class: `service ${s.ready ? "ok" : "bad"}`, dataset: { service: s.name, ready: String(s.ready) } },
      el("span", { class: "dot" }), el("span", { class: "name" }, s.name),
      el("span", { class: "mono" }, s.version ? `v${s.version}` : "—"), checks);
  }));
}

function renderChains(chains) {
  fill(document.querySelector("#chains tbody"), chains.flatMap((c) => {
    const state = el("td", { class: `state-${c.state.replace(" ", "-")}` }, c.state);
    const row = el("tr", { class: c.state === "halted" ? "bad" : "", dataset: { chain: String(c.chain_id) } },
      cell(c.chain_id, "mono"), state, cell(c.cursor, "num"), cell(c.safe_head, "num"),
      cell(c.head, "num"), cell(c.confirmations, "num"));
    if (!c.halted) return [row];
    const why = el("tr", { class: "bad" }, el("td", { colspan: "6", class: "reason" }, `halted: ${c.halted}`));
    return [row, why];
  }));
}

function renderConsumers(consumers, topics) {
  fill(document.querySelector("#consumers tbody"), consumers.map((c) =>
    el("tr", { class: c.ok ? "" : "bad" }, cell(c.name, "mono"), cell(c.service), cell(c.lag, "num"))));
  fill(document.querySelector("#topics tbody"), topics.map((t) =>
    el("tr", {}, cell(t.name, "mono"), cell(t.end_offsets.join(" · "), "mono"), cell(t.total, "num"))));
}

function renderDecisions(decisions) {
  fill(document.querySelector("#decisions tbody"), decisions.map((d) => {
    const rejected = d.type.endsWith("Rejected");
    const what = d.recipients !== null ? `${d.recipients} recipient(s)` : d.reason;
    return el("tr", { class: rejected ? "bad" : "" }, cell(clock(d.at)), cell(d.type),
      cell(short(d.channel), "mono"), cell(d.notification_id ? short(d.notification_id) : null, "mono"),
      cell(what, rejected ? "reason" : ""));
  }));
}

async function refreshStatus() {
  try {
    const status = await getJson(`${API}/node/status`);
    renderServices(status.services);
    renderChains(status.chains);
    renderConsumers(status.consumers, status.topics);
    renderDecisions(status.decisions);
    const ready = status.services.filter((s) => s.ready).length;
    document.getElementById("summary").textContent =
      `${ready}/${status.services.length} services ready · updated ${clock(status.generated_at)}`;
    devMode = status.dev_mode;
    document.getElementById("dev-badge").hidden = !devMode;
    document.getElementById("send-test").hidden = !devMode;
  } catch (err) {
    document.getElementById("summary").textContent = `status unavailable (${err.message})`;
  }
}

async function refreshChannels() {
  try {
    const { channels } = await getJson(`${API}/channels?limit=20`);
    fill(document.querySelector("#channels tbody"), channels.map((c) =>
      el("tr", { title: c.channel }, cell(short(c.channel), "mono"), cell(c.chain_id, "mono"),
        cell(c.subscriber_count, "num"),
        cell(c.activation_status ? "active" : "inactive"))));
  } catch (err) {
    fill(document.querySelector("#channels tbody"), [el("tr", {}, cell(`unavailable (${err.message})`))]);
  }
}

// ---------------------------------------------------------------- network --

// Shown only on a node with peers (/node/peers answers 404 on a single node).
async function refreshNetwork() {
  let peers;
  try {
    peers = await getJson(`${API}/node/peers`);
  } catch (err) {
    return;
  }
  document.getElementById("network-card").hidden = false;
  fill(document.querySelector("#peers tbody"), peers.peers.map((p) =>
    el("tr", { class: p.reachable ? "" : "bad", title: p.nodeId }, cell(short(p.nodeId), "mono"),
      cell(p.url, "mono"), cell(p.reachable ? "yes" : "no"),
      cell(Object.values(p.frontier).reduce((a, b) => a + b, 0), "num"), cell(p.lag, "num"))));
  try {
    const [{ hash }, { evidence }] = await Promise.all([
      getJson(`${API}/node/state-hash`), getJson(`${API}/node/evidence`)]);
    document.getElementById("state-hash").textContent = `state ${hash.slice(0, 16)}…`;
    fill(document.querySelector("#evidence tbody"), evidence.map((e) =>
      el("tr", { class: "bad" }, cell(short(e.origin), "mono"), cell(e.seq, "num"), cell(e.kind),
        cell(e.reason || "", "reason"))));
  } catch (err) {
    document.getElementById("state-hash").textContent = `(${err.message})`;
  }
}

// ---------------------------------------------------------------- inbox viewer --

function feedItem(item, fresh) {
  const { notification = {}, data = {} } = item.payload || {};
  return el("li", { class: `item${fresh ? " fresh" : ""}`, dataset: { sid: item.sid } },
    el("div", { class: "title" }, notification.title || data.asub || "(no title)"),
    el("div", { class: "body" }, notification.body || data.amsg || ""),
    el("div", { class: "meta" },
      el("span", { class: "mono" }, `from ${short(item.sender)}`),
      el("span", {}, clock(item.epoch)),
      el("span", {}, "delivery: ", el("span", { class: "delivery" }, "…"))));
}

function show(listId, item, fresh) {
  const list = document.getElementById(listId);
  if (list.querySelector(`[data-sid="${CSS.escape(item.sid)}"]`)) return;
  const node = feedItem(item, fresh);
  if (fresh) list.prepend(node); else list.append(node);
  deliveryOf(node);
}

// A reorg removed the notification's chain log: the node withdrew it (gone from the feed).
function withdraw({ sid, reason }) {
  document.querySelectorAll(`[data-sid="${CSS.escape(sid)}"]`).forEach((node) => {
    node.classList.add("withdrawn");
    node.querySelector(".meta").append(el("span", { class: "badge off" }, `withdrawn: ${reason}`));
  });
}

async function deliveryOf(node) {
  const target = node.querySelector(".delivery");
  try {
    const response = await fetch(`${API}/payloads/${encodeURIComponent(node.dataset.sid)}/deliveries`, { cache: "no-store" });
    if (!response.ok) { target.textContent = "—"; return; }
    const { deliveries } = await response.json();
    target.textContent = deliveries.length
      ? deliveries.map((d) => `${d.provider} ${d.status}${d.attempts > 1 ? ` (${d.attempts} tries)` : ""}`).join(", ")
      : "no devices";
  } catch {
    target.textContent = "—";
  }
}

function setSocketState(text, cls) {
  const badge = document.getElementById("socket-state");
  badge.textContent = text;
  badge.className = `badge ${cls}`;
}

async function watch(address) {
  if (socket) socket.disconnect();
  watching = address;
  fill(document.getElementById("inbox"), []);
  fill(document.getElementById("spam"), []);
  history.replaceState(null, "", `#address=${encodeURIComponent(address)}`);
  setSocketState("connecting…", "off");
  socket = io({ query: { address }, transports: ["websocket"] });
  socket.on("connect", () => setSocketState("live", "on"));
  socket.on("connect_error", () => setSocketState("refused: not a CAIP-10 address?", "off"));
  socket.on("disconnect", () => setSocketState("disconnected", "off"));
  socket.on("userFeeds", (item) => show("inbox", item, true));
  socket.on("userSpamFeeds", (item) => show("spam", item, true));
  socket.on("notificationWithdrawn", withdraw);
  for (const [listId, spam] of [["inbox", false], ["spam", true]]) {
    try {
      const page = await getJson(`${API}/users/${encodeURIComponent(address)}/feeds?limit=10&spam=${spam}`);
      for (const item of page.feeds) show(listId, item, false);
    } catch (err) {
      document.getElementById("send-result").textContent = `feed unavailable (${err.message})`;
    }
  }
}

async function sendTest() {
  const result = document.getElementById("send-result");
  if (!watching) { result.textContent = "enter an address and press Watch first"; return; }
  const response = await fetch(`${API}/node/test-notification`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ recipient: watching }),
  });
  result.textContent = response.status === 204 ? "sent: watch it arrive" : `refused (${response.status})`;
}

function refreshDeliveries() {
  document.querySelectorAll(".item").forEach((node, i) => { if (i < 20) deliveryOf(node); });
}

document.getElementById("watch-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const address = document.getElementById("address").value.trim();
  if (address) watch(address);
});
document.getElementById("send-test").addEventListener("click", sendTest);

const initial = new URLSearchParams(location.hash.slice(1)).get("address");
if (initial) {
  document.getElementById("address").value = initial;
  watch(initial);
}
refreshStatus();
refreshChannels();
refreshNetwork();
setInterval(refreshStatus, STATUS_EVERY_MS);
setInterval(refreshNetwork, STATUS_EVERY_MS);
setInterval(refreshChannels, CHANNELS_EVERY_MS);
setInterval(refreshDeliveries, DELIVERIES_EVERY_MS);
