"""The dashboard: one page, plain HTML and the bundled Plotly; it reads the API and draws.

Choose a country, a year and a partner group; the page shows the headline, the figures, the balance
over time, contributions by partner, the mirror gap with the US, the group table and the US tariff
timeline, next year's outlook with its fan charts, and runs a scenario (GE) with its winners and losers. Every table has a CSV link.
"""

from __future__ import annotations

__all__ = ["page"]

_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>tradeflux dashboard</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<script src="/static/plotly.js"></script>
<style>
body { font-family: system-ui, sans-serif; margin: 1.5rem auto; max-width: 1150px; color: #1a202c; }
form, .row { display: flex; gap: 1rem; align-items: end; flex-wrap: wrap; }
label { display: flex; flex-direction: column; font-size: 0.85rem; }
input, select, button { font-size: 1rem; padding: 4px 8px; }
table { border-collapse: collapse; width: 100%; font-size: 0.85rem; margin: 0.5rem 0 1rem; }
td, th { border-bottom: 1px solid #e2e8f0; padding: 3px 6px; text-align: left; }
td.num { text-align: right; white-space: nowrap; }
.headline p { font-size: 1.05rem; } .warn { color: #9c4221; } .chart { min-height: 360px; }
#status { color: #4a5568; }
</style></head><body>
<h1>tradeflux: merchandise trade, explained</h1>
<form id="pick" aria-label="choose a country and year">
  <label>Country <input id="country" name="country" value="CHN" size="8" aria-label="country code or name"></label>
  <label>Year <input id="year" name="year" type="number" min="1960" max="2100" value="2025" aria-label="year"></label>
  <label>Group <select id="group" aria-label="partner group">
    <option>EU27</option><option>ASEAN</option><option>AFRICA</option><option>LATAM</option></select></label>
  <button id="show" type="submit">Show</button>
  <span id="status" role="status" aria-live="polite"></span>
</form>
<section class="headline" id="headline" aria-label="headline"></section>
<h2>Figures <a id="figures-csv" href="#">CSV</a></h2><div id="figures"></div>
<h2>Charts</h2>
<div class="chart" id="chart-balance"></div>
<div class="chart" id="chart-contributions"></div>
<div class="chart" id="chart-mirror"></div>
<h2>Group <a id="groups-csv" href="#">CSV</a></h2><div id="groups"></div>
<h2>US tariffs on the country</h2><div class="chart" id="chart-tariffs"></div>
<h2>Outlook</h2>
<div class="row"><button id="forecast" type="button">Forecast next year</button>
<span id="outlook-job" role="status" aria-live="polite"></span></div>
<div class="chart" id="chart-outlook-total"></div><div class="chart" id="chart-outlook-group"></div>
<div id="outlook-table"></div>
<h2>Scenario</h2>
<div class="row"><label>Shipped scenario <select id="scenario" aria-label="scenario"></select></label>
<button id="run" type="button">Run</button><span id="job" role="status" aria-live="polite"></span></div>
<div class="chart" id="chart-scenario"></div><div id="scenario-table"></div>
<h2>Every table as CSV</h2><ul id="downloads"></ul>
<p class="warn" id="warnings"></p>
<script>
const $ = (id) => document.getElementById(id);
// every text from the store or a file is escaped before it reaches innerHTML (a source id can be "<img onerror>")
const esc = (v) => String(v).replace(/[&<>"']/g, (c) => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"})[c]);
let latest = 0;  // the newest request: an older answer that arrives later is dropped
function draw(id, data, layout) {
  // every chart has a title with its years; Plotly wants it as {text}
  if (typeof layout.title === "string") layout.title = {text: layout.title};
  return Plotly.react(id, data, layout, {responsive: true, displaylogo: false});
}
const money = (v) => v == null ? "n/a" : (Math.abs(v) >= 1e12 ? (v / 1e12).toFixed(2) + " tn" : (v / 1e9).toFixed(1) + " bn");
async function get(url) {
  const r = await fetch(url);
  const body = await r.json();
  if (!r.ok) throw new Error(body.error || r.statusText);
  return body;
}
function table(rows, cols) {
  if (!rows || !rows.length) return "<p>none</p>";
  const head = cols.map((c) => `<th>${esc(c)}</th>`).join("");
  const body = rows.map((r) => "<tr>" + cols.map((c) => {
    const v = r[c];
    const num = typeof v === "number";
    const text = num ? (Math.abs(v) >= 1e6 ? money(v) : v.toFixed(2)) : (v == null ? "" : String(v));
    return `<td class="${num ? "num" : ""}" data-col="${esc(c)}">${esc(text)}</td>`;
  }).join("") + "</tr>").join("");
  return `<table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}
async function show(event) {
  if (event) event.preventDefault();
  const country = $("country").value.trim(), year = $("year").value, group = $("group").value;
  $("status").textContent = "loading " + country + " " + year + " ...";
  const mine = ++latest;
  try {
    const rep = await get(`/api/report/${encodeURIComponent(country)}/${encodeURIComponent(year)}`);
    if (mine !== latest) return;  // a newer request was made while this one ran
    $("headline").innerHTML = rep.headline.map((h) => `<p>${esc(h)}</p>`).join("");
    $("figures").innerHTML = table(rep.figures.map((f) => ({id: f.id, figure: f.label, value: f.value, unit: f.unit, status: f.status, basis: f.basis})),
      ["figure", "value", "unit", "status", "basis"]);
    $("figures").dataset.country = rep.country;
    const base = `/api/report/${encodeURIComponent(rep.country)}/${encodeURIComponent(year)}/tables`;
    $("figures-csv").href = `${base}/balance_series.csv`;
    $("groups-csv").href = `${base}/groups.csv`;
    $("downloads").innerHTML = Object.keys(rep.tables).sort().map((name) =>
      `<li><a href="${base}/${encodeURIComponent(name)}.csv" download>${esc(name.replaceAll("_", " "))}</a></li>`).join("");
    const s = rep.tables.balance_series || [];
    draw("chart-balance", [{x: s.map((r) => r.year), y: s.map((r) => r.balance / 1e9), type: "bar", name: "balance"}],
      {title: `${rep.country_name}: trade balance ${s.length ? s[0].year : ""}-${year}, USD bn`, height: 360});
    const p = (rep.tables.partners_mirror || []).filter((r) => r.contribution_pp != null)
      .sort((a, b) => Math.abs(b.contribution_pp) - Math.abs(a.contribution_pp)).slice(0, 12).reverse();
    const yrs = rep.mirror_years || ["", ""];
    draw("chart-contributions", [{x: p.map((r) => r.contribution_pp), y: p.map((r) => r.name), type: "bar", orientation: "h"}],
      {title: `Contributions to export growth ${yrs[0]}-${yrs[1]}, pp (partners in both years)`, height: 380, margin: {l: 160}});
    const m = rep.tables.mirror_gap_usa || [];
    draw("chart-mirror", [
      {x: m.map((r) => r.period), y: m.map((r) => r.reported / 1e9), name: "reported", mode: "lines+markers"},
      {x: m.map((r) => r.period), y: m.map((r) => r.mirror / 1e9), name: "declared by the US", mode: "lines+markers"}],
      {title: `Exports to the United States, the two sides, ${m.length ? m[0].period + "-" + m[m.length - 1].period : year}, USD bn`, height: 360});
    const g = (rep.tables.groups || []).filter((r) => r.group === group || r.group === "EU27" && group === "EU27");
    $("groups").innerHTML = table(g, ["group", "flow", "value", "base_value", "growth_pct", "coverage_pct", "missing", "years"]);
    $("warnings").innerHTML = rep.warnings.map((w) => `<span>${esc(w)}</span>`).join("<br>");
    try {
      const t = await get(`/api/tariffs/${encodeURIComponent(rep.country)}`);
      if (mine !== latest) return;
      const span = t.table.length ? `${t.table[0].date.slice(0, 4)}-${t.table[t.table.length - 1].date.slice(0, 4)}` : "";
      draw("chart-tariffs", [{x: t.table.map((r) => r.date), y: t.table.map((r) => r.trade_weighted_pct), line: {shape: "hv"}, name: "add-on"}],
        {title: `${t.title}, ${span}, %`, height: 340});
    } catch (e) { $("chart-tariffs").textContent = e.message; }
    $("status").textContent = `${rep.country_name} ${year}`;
  } catch (e) {
    if (mine === latest) $("status").textContent = "error: " + e.message;
  }
}
async function scenarios() {
  const list = await get("/api/scenarios");
  $("scenario").innerHTML = list.map((s) => `<option value="${esc(s.name)}">${esc(s.title)}</option>`).join("");
  const goods = list.find((s) => s.name === "us_tariffs_truce_2025_11_goods");
  if (goods) $("scenario").value = goods.name;
}
async function run() {
  $("job").textContent = "starting ...";
  const r = await fetch("/api/jobs/ge", {method: "POST", headers: {"Content-Type": "application/json"},
    body: JSON.stringify({scenario: $("scenario").value})});
  let job = await r.json();
  if (!r.ok) { $("job").textContent = "error: " + job.error; return; }
  while (job.status === "queued" || job.status === "running") {
    $("job").textContent = job.progress + " ...";
    await new Promise((ok) => setTimeout(ok, 500));
    job = await get(`/api/jobs/${job.id}`);
  }
  if (job.status !== "done") { $("job").textContent = "failed: " + job.error; return; }
  const rows = job.result.countries.slice().sort((a, b) => a.welfare_pct - b.welfare_pct);
  const shown = rows.slice(0, 8).concat(rows.slice(-8));
  draw("chart-scenario", [{x: shown.map((r) => r.welfare_pct), y: shown.map((r) => r.country), type: "bar", orientation: "h"}],
    {title: `${job.result.scenario}: welfare change, % (2019 baseline)`, height: 420});
  $("scenario-table").innerHTML = table(shown, ["country", "welfare_pct", "exports_pct", "factory_price_pct"]);
  $("job").textContent = "done";
}
async function follow(r, label) {
  let job = await r.json();
  if (!r.ok) { $(label).textContent = "error: " + job.error; return null; }
  while (job.status === "queued" || job.status === "running") {
    $(label).textContent = job.progress + " ...";
    await new Promise((ok) => setTimeout(ok, 500));
    job = await get(`/api/jobs/${job.id}`);
  }
  if (job.status !== "done") { $(label).textContent = "failed: " + job.error; return null; }
  $(label).textContent = "done";
  return job.result;
}
function fan(id, o, series) {
  const row = o.table.find((r) => r.series === series);
  if (!row) { $(id).textContent = `no forecast for ${series}`; return; }
  const hist = o.history.filter((r) => r.series === series && r.year >= 2005);
  const x = [row.last_year, row.year], b = (v) => v / 1e9, last = b(row.last_value);
  const band = (lo, hi, name, alpha) => ({x: [...x, ...x.slice().reverse()], y: [last, b(hi), b(lo), last],
    fill: "toself", fillcolor: `rgba(43,108,176,${alpha})`, line: {width: 0}, name});
  draw(id, [band(row.lo95, row.hi95, "95% interval", 0.15), band(row.lo80, row.hi80, "80% interval", 0.3),
    {x: hist.map((r) => r.year), y: hist.map((r) => b(r.value)), mode: "lines+markers", name: "observed"},
    {x, y: [last, b(row.forecast)], mode: "lines+markers", name: "forecast"}],
    {title: `${o.reporter_name}: ${row.flow}s, ${row.name}, ${hist.length ? hist[0].year : row.last_year}-${row.year}, USD bn ` +
      `(MASE ${row.mase == null ? "n/a" : row.mase.toFixed(2)}, 80% coverage ${row.coverage80_pct == null ? "n/a" : row.coverage80_pct.toFixed(0)}% in backtests)`,
     height: 360});
}
async function forecast() {
  $("outlook-job").textContent = "starting ...";
  const r = await fetch("/api/jobs/outlook", {method: "POST", headers: {"Content-Type": "application/json"},
    body: JSON.stringify({country: $("country").value.trim(), horizon: 1, flow: "export"})});
  const o = await follow(r, "outlook-job");
  if (!o) return;
  fan("chart-outlook-total", o, "WLD");
  fan("chart-outlook-group", o, "G:" + $("group").value);
  const rows = o.table.filter((r) => r.kind !== "partner" || o.table.indexOf(r) < 14);
  $("outlook-table").innerHTML = table(rows, ["name", "last_year", "last_value", "forecast", "growth_pct", "lo80", "hi80", "lo95", "hi95", "mase"]);
}
$("pick").addEventListener("submit", show);
$("forecast").addEventListener("click", forecast);
$("run").addEventListener("click", run);
scenarios().then(() => show());
</script></body></html>
"""


def page() -> str:
    """The dashboard's HTML (its script reads the API of the same server)."""
    return _PAGE
