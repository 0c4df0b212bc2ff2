// The local page: forms in, the library's JSON out. Every figure shown comes from the server (the same
// library calls as the CLI); this script only lays them out. No external scripts: the page works offline.
"use strict";

const GIB = 2 ** 30;
const GB = 1e9;
const COLORS = {
  weights: "#1f5fa8", kv_cache: "#e07b39", activations: "#4c9f70", gradients: "#8e5ea2",
  optimizer_states: "#c94f6d", adapters: "#d4b23c", cuda_context: "#7f8c99", allocator_overhead: "#b6c0ca",
};
const EXTRA_COLORS = ["#17becf", "#9c755f", "#bcbd22", "#ff9da7"];

const $ = (id) => document.getElementById(id);
const fmt0 = (x) => (x === null || x === undefined || Number.isNaN(x)) ? "–" :
  Number(x).toLocaleString("en-US", { maximumFractionDigits: 0 });
const gib = (b) => (b / GIB).toFixed(2);
const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
const money = (x, cur) => `${fmt0(x)} ${cur}`;

async function call(path, payload) {
  const response = await fetch(path, payload === undefined ? {} : {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(payload),
  });
  let data;
  try { data = await response.json(); } catch (e) { throw new Error(`the server answered ${response.status}`); }
  if (!response.ok || data.error) throw new Error(data.error || `the server answered ${response.status}`);
  return data;
}

function showError(id, error) {
  const box = $(id);
  if (error) { box.textContent = error.message || String(error); box.hidden = false; } else { box.hidden = true; }
}

function debounce(fn, ms) {
  let timer = null;
  return (...args) => { clearTimeout(timer); timer = setTimeout(() => fn(...args), ms); };
}

function table(el, headers, rows, numeric = []) {
  const head = "<tr>" + headers.map((h, i) => `<th class="${numeric.includes(i) ? "n" : ""}">${esc(h)}</th>`).join("") + "</tr>";
  const body = rows.map((r) => "<tr>" + r.map((c, i) => `<td class="${numeric.includes(i) ? "n" : ""}">${esc(c)}</td>`).join("") + "</tr>").join("");
  el.innerHTML = head + body;
}

// ---- tabs --------------------------------------------------------------------------------------------
document.querySelectorAll("#tabs button").forEach((button) => button.addEventListener("click", () => {
  document.querySelectorAll("#tabs button").forEach((b) => b.classList.toggle("active", b === button));
  document.querySelectorAll(".tab").forEach((t) => t.classList.toggle("active", t.id === button.dataset.tab));
}));

// ---- memory and fit ----------------------------------------------------------------------------------
function memoryPayload() {
  const data = Object.fromEntries(new FormData($("memory-form")).entries());
  return data;
}

const updateMemory = debounce(async () => {
  try {
    const data = await call("/api/estimate", memoryPayload());
    showError("memory-error", null);
    renderMemory(data);
  } catch (error) {
    showError("memory-error", error);
    $("memory-result").hidden = true;
  }
}, 250);

function renderMemory(data) {
  const est = data.estimate, fit = data.fit;
  const parts = Object.entries(est.per_gpu_breakdown).filter(([, v]) => v > 0);
  const gpus = est.gpus || 1;
  const [thumbLow, thumbHigh] = est.rule_of_thumb_bytes.map((b) => b / gpus);
  const scale = Math.max(fit.vram_bytes, est.per_gpu_bytes, thumbHigh) * 1.05;
  const pct = (b) => `${(100 * b / scale).toFixed(3)}%`;
  let left = 0, extra = 0, segs = "", legend = "";
  for (const [name, bytes] of parts) {
    const color = COLORS[name] || EXTRA_COLORS[extra++ % EXTRA_COLORS.length];
    segs += `<div class="seg" title="${esc(name)} ${gib(bytes)} GiB" style="left:${pct(left)};width:${pct(bytes)};background:${color}"></div>`;
    legend += `<span><i style="background:${color}"></i>${esc(name.replace(/_/g, " "))} ${gib(bytes)} GiB</span>`;
    left += bytes;
  }
  // The rule of thumb on its own row under the estimate, so the two lengths compare at a glance.
  segs += `<div class="thumb" title="rule of thumb" style="left:0;width:${pct(thumbHigh)}"></div>`;
  if (thumbHigh > thumbLow) segs += `<div class="thumb low" style="left:0;width:${pct(thumbLow)}"></div>`;
  segs += `<div class="mark" title="card capacity" style="left:${pct(fit.vram_bytes)}"></div>`;
  segs += `<div class="mark budget" title="budget after headroom" style="left:${pct(fit.budget_bytes)}"></div>`;
  legend += `<span><i style="background:#9aa5b1"></i>rule of thumb (lower row) ${(thumbLow / GB).toFixed(1)}–${(thumbHigh / GB).toFixed(1)} GB</span>`;
  legend += `<span>│ ${esc(fit.gpu)} ${gib(fit.vram_bytes)} GiB</span><span>┆ budget with ${Math.round(fit.headroom * 100)} % headroom ${gib(fit.budget_bytes)} GiB</span>`;
  $("memory-bar").innerHTML = `<div class="bar">${segs}</div><div class="legend">${legend}</div>`;
  $("memory-title").textContent = `${est.model}: ${gib(est.per_gpu_bytes)} GiB per GPU on ${fit.gpu} — ${fit.fits ? "fits" : "does not fit"}`;
  const rows = parts.map(([name, bytes]) => [name.replace(/_/g, " "), gib(bytes)]);
  rows.push(["total per GPU", gib(est.per_gpu_bytes)], ["total, all GPUs", gib(est.total_bytes)],
    ["rule of thumb (GB, 10^9)", `${(est.rule_of_thumb_bytes[0] / GB).toFixed(1)}–${(est.rule_of_thumb_bytes[1] / GB).toFixed(1)}`]);
  table($("memory-table"), ["Component", "GiB per GPU"], rows, [1]);
  const fitRows = [
    ["card", fit.gpu], ["memory (GiB)", gib(fit.vram_bytes)], ["budget after headroom (GiB)", gib(fit.budget_bytes)],
    ["fits", fit.fits ? "yes" : "no"],
    [`max context at batch ${fit.batch}`, `${fmt0(fit.max_context)} tokens (${fit.context_limit})`],
    [`max concurrency at ${fmt0(fit.context)} tokens`, `${fmt0(fit.max_batch)} sequence${fit.max_batch === 1 ? "" : "s"} (${fit.batch_limit})`],
  ];
  if (fit.vllm_kv_tokens !== null && fit.vllm_kv_tokens !== undefined) fitRows.push(["vLLM KV tokens at 0.9", fmt0(fit.vllm_kv_tokens)]);
  table($("fit-table"), ["Per card", fit.gpu], fitRows.slice(1));
  $("memory-result").hidden = false;
}

// ---- scenario, solve and plan -------------------------------------------------------------------------
const validate = debounce(async () => {
  const status = $("validation");
  try {
    const data = await call("/api/validate", { yaml: $("yaml").value });
    status.textContent = `valid: ${data.name}, ${data.workloads} workloads`;
    status.className = "status ok";
  } catch (error) {
    status.textContent = error.message;
    status.className = "status bad";
  }
}, 400);

async function solve() {
  const button = $("solve");
  button.disabled = true; button.textContent = "Solving…";
  try {
    const data = await call("/api/solve", { yaml: $("yaml").value });
    showError("solve-error", null);
    renderPlan(data);
  } catch (error) {
    showError("solve-error", error);
    $("plan").hidden = true;
  } finally {
    button.disabled = false; button.textContent = "Solve";
  }
}

const LABELS = {
  all_cloud: "Rent everything (all cloud)", all_bought: "Buy everything (all bought)",
  best_single_gpu: "Best single GPU type", cheapest_per_workload: "Cheapest offer per workload, alone",
};

function renderPlan(data) {
  const plan = data.plan, report = plan.report, cur = plan.currency;
  $("total").textContent = money(plan.total_cost, cur);
  $("capex").textContent = money(plan.capex, cur);
  $("monthly").textContent = money(report.opex_per_month, cur);
  $("status").textContent = `${plan.status}, gap ${(100 * plan.gap).toFixed(2)} %`;
  $("reading").textContent = report.reading;
  for (const suffix of ["xlsx", "json", "md"]) {
    const link = $(`dl-${suffix}`);
    link.href = `/download/${data.id}.${suffix}`;
    link.setAttribute("download", `${plan.scenario}.${suffix}`);
  }
  table($("mix"), ["Action", "Units", "Item", "h/month", `Up-front (${cur})`, `Per month (${cur})`, `Horizon (${cur})`, "Workloads"],
    report.chosen_mix.map((m) => [m.action, m.count, m.option_name, fmt0(m.hours_per_month), fmt0(m.capex), fmt0(m.per_month), fmt0(m.cost), m.workloads.join(", ")]),
    [1, 3, 4, 5, 6]);
  const where = {};
  for (const a of plan.assignments) (where[a.workload] = where[a.workload] || new Set()).add(a.unit);
  table($("workloads"), ["Workload", "Model", "Task", "Precision", "Replicas", "GiB/GPU", "Reserved GiB", "Runs on", `Cost (${cur})`],
    plan.workloads.map((w) => [w.name, w.model, w.task, w.precision, w.replicas, gib(w.per_gpu_bytes), gib(w.reserved_bytes), [...(where[w.name] || [])].join(", "), fmt0(w.cost)]),
    [4, 5, 6, 8]);
  const maxCost = Math.max(...plan.workloads.map((w) => w.cost), 1);
  $("workload-bars").innerHTML = plan.workloads.map((w) =>
    `<div class="wbar"><span>${esc(w.name)}</span><div class="track"><div class="fill" style="width:${(100 * w.cost / maxCost).toFixed(2)}%"></div></div><span>${esc(money(w.cost, cur))}</span></div>`).join("");
  const cats = Object.entries(plan.cost_by_category).filter(([, v]) => v > 0);
  const maxCat = Math.max(...cats.map(([, v]) => v), 1);
  $("cost-chart").innerHTML = cats.map(([k, v]) =>
    `<div class="wbar"><span>${esc(k.replace(/_/g, " "))}</span><div class="track"><div class="fill" style="width:${(100 * v / maxCat).toFixed(2)}%;background:#e07b39"></div></div><span>${esc(money(v, cur))}</span></div>`).join("");
  table($("savings"), ["Alternative", "Status", `Cost (${cur})`, `Saving (${cur})`, "Saving %"],
    plan.alternatives.map((a) => {
      const saving = a.total_cost === null ? null : (a.saving ?? a.total_cost - plan.total_cost);
      return [LABELS[a.name] || a.name, a.status, fmt0(a.total_cost), fmt0(saving),
        saving === null || !a.total_cost ? "–" : `${(100 * saving / a.total_cost).toFixed(1)} %`];
    }), [2, 3, 4]);
  $("plan").hidden = false;
}

// ---- compare -------------------------------------------------------------------------------------------
async function compare() {
  const button = $("compare-run");
  button.disabled = true; button.textContent = "Solving both…";
  try {
    const data = await call("/api/compare", { base: $("base-yaml").value, new: $("new-yaml").value });
    showError("compare-error", null);
    const c = data.comparison, cur = c.currency;
    $("compare-headline").textContent = `${c.base} → ${c.new}: ${c.costs[0].text}`;
    table($("compare-costs"), ["Line", `Old (${cur})`, `New (${cur})`, "Change"],
      c.costs.map((r) => [r.label, fmt0(r.old), fmt0(r.new), r.text]), [1, 2]);
    const list = (id, items) => { $(id).innerHTML = items.length ? items.map((t) => `<li>${esc(t)}</li>`).join("") : "<li>none</li>"; };
    list("compare-units", c.units.map((u) => `${u.delta > 0 ? "+" : "-"} ${Math.abs(u.delta)} x ${u.action} ${u.option_name}: ${u.old_count} → ${u.new_count} units, ${fmt0(u.old_cost)} → ${fmt0(u.new_cost)} ${cur}`));
    list("compare-moves", c.moves.map((m) => `${m.workload}: ${m.old.join("; ") || "(not planned)"} → ${m.new.join("; ") || "(not planned)"}`));
    list("compare-settings", c.settings.map((s) => `${s.category} ${s.name}: ${s.old} → ${s.new}`));
    $("compare-result").hidden = false;
  } catch (error) {
    showError("compare-error", error);
    $("compare-result").hidden = true;
  } finally {
    button.disabled = false; button.textContent = "Compare";
  }
}

// ---- speed (only where the library has the speed model) --------------------------------------------------
async function perf(event) {
  event.preventDefault();
  try {
    const data = await call("/api/perf", Object.fromEntries(new FormData($("perf-form")).entries()));
    showError("perf-error", null);
    $("perf-result").textContent = JSON.stringify(data, null, 2);
  } catch (error) {
    showError("perf-error", error);
  }
}

// ---- start -----------------------------------------------------------------------------------------------
function fill(select, values, selected) {
  for (const value of values) {
    const option = document.createElement("option");
    option.value = option.textContent = value;
    if (value === selected) option.selected = true;
    select.appendChild(option);
  }
}

async function start() {
  let meta;
  try { meta = await call("/api/meta"); } catch (error) { showError("memory-error", error); return; }
  $("version").textContent = `planner ${meta.version}`;
  fill($("models"), meta.models);
  const gpuNames = meta.gpus.map((g) => g.name);
  fill($("gpu"), gpuNames, gpuNames.find((n) => n.includes("RTX 4090")) || gpuNames[0]);
  document.querySelectorAll(".gpu-list").forEach((s) => fill(s, gpuNames));
  fill($("precision"), meta.precisions, "bf16");
  fill($("engine"), meta.engines);
  fill($("task"), meta.tasks, "inference");
  fill($("kv_precision"), meta.kv_precisions.filter((k) => k !== "16bit"));
  const names = Object.keys(meta.examples);
  fill($("example"), names, "startup");
  document.querySelectorAll(".example-pick").forEach((s) => {
    fill(s, names, "startup");
    const load = () => { $(s.dataset.target).value = meta.examples[s.value] || ""; };
    s.addEventListener("change", load); load();
  });
  const loadExample = () => { $("yaml").value = meta.examples[$("example").value] || ""; validate(); };
  $("example").addEventListener("change", loadExample);
  if (names.length) loadExample();
  $("yaml").addEventListener("input", validate);
  $("solve").addEventListener("click", solve);
  $("compare-run").addEventListener("click", compare);
  $("memory-form").addEventListener("input", updateMemory);
  $("perf-tab").hidden = !meta.perf;
  $("perf-form").addEventListener("submit", perf);
  document.body.dataset.ready = "1";
  updateMemory();
}

start();
