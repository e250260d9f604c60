#include "status/status_page.hpp"

namespace netboot::status {
namespace {

constexpr std::string_view kPage = R"PAGE(<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>netbootd</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 0; background: #f4f5f7; color: #1d2330; }
header { background: #1d2330; color: #fff; padding: 10px 20px; display: flex; gap: 24px; align-items: baseline; }
header h1 { font-size: 18px; margin: 0; }
header .muted { color: #aab; }
main { padding: 16px 20px; display: grid; grid-template-columns: minmax(0, 1fr) 330px; gap: 16px; }
section.wide { overflow-x: auto; }
section { background: #fff; border-radius: 6px; padding: 12px 16px; box-shadow: 0 1px 2px rgba(0,0,0,.08); }
h2 { font-size: 15px; margin: 0 0 8px; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 5px 6px; border-bottom: 1px solid #e4e6ea; vertical-align: middle; white-space: nowrap; }
th { font-weight: 600; color: #556; font-size: 12px; text-transform: uppercase; }
td.mono, span.mono { font-family: ui-monospace, monospace; font-size: 13px; }
.steps { display: flex; gap: 3px; }
.steps span { white-space: nowrap; font-size: 11px; padding: 2px 6px; border-radius: 10px; background: #e4e6ea; color: #778; }
.steps span.done { background: #cfe8d6; color: #245; }
.steps span.now { background: #2f7d4a; color: #fff; }
.bar { background: #e4e6ea; border-radius: 4px; height: 10px; width: 180px; overflow: hidden; }
.bar > div { background: #3b73c4; height: 100%; width: 0; transition: width .4s; }
.small { font-size: 12px; color: #667; }
td.transfer { white-space: normal; min-width: 190px; }
.pool .bar { width: 100%; height: 14px; }
.refusal { border-bottom: 1px solid #eee; padding: 4px 0; font-size: 13px; overflow-wrap: anywhere; }
#error { color: #b00; }
</style>
</head>
<body>
<header><h1>netbootd</h1><span class="muted" id="summary">loading...</span><span id="error"></span></header>
<main>
<section class="wide">
<h2>Machines, in boot order</h2>
<table>
<thead><tr><th>MAC</th><th>Address</th><th>Client</th><th>Step</th><th>Current transfer</th><th>Last seen (UTC)</th></tr></thead>
<tbody id="machines"></tbody>
</table>
</section>
<div>
<section class="pool"><h2>Pool usage</h2><div id="pools"></div></section>
<section style="margin-top:16px"><h2>Last refusals</h2><div id="refusals"></div></section>
</div>
</main>
<script>
"use strict";
const STEPS = [["dhcp", "DHCP"], ["boot-file", "boot file"], ["kernel", "kernel"], ["os-lease", "OS lease"]];
function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined && text !== null) e.textContent = String(text);
  return e;
}
function bytes(n) {
  if (n >= 1048576) return (n / 1048576).toFixed(1) + " MiB";
  if (n >= 1024) return (n / 1024).toFixed(1) + " KiB";
  return n + " B";
}
function stepCell(step) {
  const box = el("div", "steps");
  const at = STEPS.findIndex(s => s[0] === step);
  STEPS.forEach((s, i) => box.appendChild(el("span", i < at ? "done" : i === at ? "now" : "", s[1])));
  return box;
}
function transferCell(t) {
  const td = el("td", "transfer");
  if (!t) { td.appendChild(el("span", "small", "-")); return td; }
  const pct = t.progress === null ? 0 : Math.round(t.progress * 1000) / 10;
  td.appendChild(el("div", "small mono", t.file));
  const bar = el("div", "bar");
  bar.setAttribute("role", "progressbar");
  bar.setAttribute("aria-valuenow", String(pct));
  bar.dataset.progress = String(pct);
  const fill = el("div");
  fill.style.width = pct + "%";
  bar.appendChild(fill);
  td.appendChild(bar);
  let note = bytes(t.bytes) + (t.size !== null ? " of " + bytes(t.size) + " (" + pct + "%)" : "");
  if (t.rate_bytes_per_second > 0) note += ", " + bytes(Math.round(t.rate_bytes_per_second)) + "/s";
  if (t.eta_seconds !== null) note += ", " + Math.ceil(t.eta_seconds) + " s left";
  td.appendChild(el("div", "small", note));
  return td;
}
function render(doc) {
  const body = document.getElementById("machines");
  const rows = [];
  for (const m of doc.machines) {
    const tr = el("tr");
    tr.dataset.mac = m.mac;
    tr.dataset.step = m.step;
    tr.appendChild(el("td", "mono", m.mac));
    tr.appendChild(el("td", "mono", m.address || "-"));
    tr.appendChild(el("td", "", m.client_type + (m.arch !== null ? " (arch " + m.arch + ")" : "")));
    const step = el("td");
    step.appendChild(stepCell(m.step));
    tr.appendChild(step);
    tr.appendChild(transferCell(m.current_transfer));
    const seen = el("td", "small", m.last_seen.substring(11, 19));
    seen.title = "first seen " + m.first_seen + ", last seen " + m.last_seen;
    tr.appendChild(seen);
    rows.push(tr);
  }
  body.replaceChildren(...rows);
  const pools = document.getElementById("pools");
  pools.replaceChildren(...doc.pools.map(p => {
    const used = p.offered + p.bound;
    const box = el("div");
    box.appendChild(el("div", "mono", p.subnet + " from " + p.first));
    const bar = el("div", "bar");
    const fill = el("div");
    fill.style.width = (p.size ? Math.min(100, 100 * used / p.size) : 0) + "%";
    bar.appendChild(fill);
    box.appendChild(bar);
    box.appendChild(el("div", "small", used + " of " + p.size + " in use (" + p.bound + " bound, " + p.offered +
      " offered), " + p.expired + " expired, " + p.released + " released, " + p.declined + " declined"));
    return box;
  }));
  const refusals = document.getElementById("refusals");
  refusals.replaceChildren(...(doc.refusals.length ? doc.refusals.map(r => {
    const d = el("div", "refusal");
    d.appendChild(el("span", "small", r.at.substring(11, 19) + " " + r.service + " "));
    d.appendChild(el("span", "mono", r.client + " "));
    d.appendChild(el("span", "", r.reason));
    return d;
  }) : [el("div", "small", "none")]));
  const shown = doc.count > doc.machines.length ? "the last " + doc.machines.length + " of " : "";
  document.getElementById("summary").textContent = shown + doc.count + " machine(s), updated " +
    new Date().toLocaleTimeString();
  // The newest SHOWN machines next time: the service builds only those.
  offset = Math.max(0, doc.count - SHOWN);
}
const SHOWN = 200;
let offset = 0;
async function poll() {
  try {
    const answer = await fetch("api/v1/machines?limit=" + SHOWN + "&offset=" + offset, {cache: "no-store"});
    if (!answer.ok) throw new Error("HTTP " + answer.status);
    render(await answer.json());
    document.getElementById("error").textContent = "";
  } catch (e) {
    document.getElementById("error").textContent = "status service unreachable: " + e.message;
  }
  setTimeout(poll, 1000);
}
poll();
</script>
</body>
</html>
)PAGE";

}  // namespace

std::string_view status_page_html() noexcept { return kPage; }

}  // namespace netboot::status
