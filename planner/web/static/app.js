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
const fmt = (x, digits) => Number(x).toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
// A range in GB (10^9 bytes, the unit the rule of thumb is quoted in) to one decimal, or in GiB to two; one
// figure where both ends print the same (the rule of thumb for inference).
const range = (low, high, unit, digits) => {
  const [a, b] = [(low / unit).toFixed(digits), (high / unit).toFixed(digits)];
  return a === b ? a : `${a}–${b}`;
};
const gbRange = (low, high) => range(low, high, GB, 1);
const gibRange = (low, high) => range(low, high, GIB, 2);
let META = null;

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

// A table of strings; `total`, where given, is a last row in bold (a sum the server computed).
function table(el, headers, rows, numeric = [], total = null) {
  const cells = (r) => r.map((c, i) => `<td class="${numeric.includes(i) ? "n" : ""}">${esc(c)}</td>`).join("");
  const head = "<tr>" + headers.map((h, i) => `<th class="${numeric.includes(i) ? "n" : ""}">${esc(h)}</th>`).join("") + "</tr>";
  const body = rows.map((r) => "<tr>" + cells(r) + "</tr>").join("");
  el.innerHTML = head + body + (total ? `<tr class="total">${cells(total)}</tr>` : "");
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
  legend += `<span><i style="background:#9aa5b1"></i>rule of thumb (lower row) ${gibRange(thumbLow, thumbHigh)} GiB (${gbRange(thumbLow, thumbHigh)} GB)</span>`;
  legend += `<span>│ ${esc(fit.gpu)} ${gib(fit.vram_bytes)} GiB</span><span>┆ budget with ${Math.round(fit.headroom * 100)} % headroom ${gib(fit.budget_bytes)} GiB</span>`;
  $("memory-bar").innerHTML = `<div class="bar">${segs}</div><div class="legend">${legend}</div>`;
  $("memory-title").textContent = `${est.model}: ${gib(est.per_gpu_bytes)} GiB per GPU on ${fit.gpu} — ${fit.fits ? "fits" : "does not fit"}`;
  // Per GPU and in total, in GiB, as `planner estimate` prints them; the rule of thumb is quoted in GB (10^9
  // bytes), so its row names that figure and its cells give it in GiB, as the terminal's line does.
  const rows = parts.map(([name, bytes]) => [name.replace(/_/g, " "), gib(bytes), gib(est.breakdown[name])]);
  rows.push(["total", gib(est.per_gpu_bytes), gib(est.total_bytes)],
    [`rule of thumb (${gbRange(...est.rule_of_thumb_bytes)} GB in total)`, gibRange(thumbLow, thumbHigh),
      gibRange(...est.rule_of_thumb_bytes)]);
  table($("memory-table"), ["Component", "per GPU GiB", "total GiB"], rows, [1, 2]);
  const fitRows = [
    ["card", fit.gpu], ["memory (GiB)", gib(fit.vram_bytes)], ["budget after headroom (GiB)", gib(fit.budget_bytes)],
    ["fits", fit.fits ? "yes" : `no${remedy(fit)}`],
    // The longest context and the largest batch, or why none fits, in `planner fit`'s words (the server's).
    [`longest context at batch ${fit.batch}`, fit.longest_context_text],
    [`largest batch at context ${fmt0(fit.context)}`, fit.largest_batch_text],
  ];
  if (fit.vllm_kv_tokens !== null && fit.vllm_kv_tokens !== undefined) fitRows.push(["vLLM KV tokens at 0.9", fmt0(fit.vllm_kv_tokens)]);
  table($("fit-table"), ["Per card", fit.gpu], fitRows.slice(1));
  // The estimate's notes, as `planner estimate` prints them under its table: a context past the model's
  // trained length, the training recipe assumed, the published rules of thumb.
  const notes = $("memory-notes");
  notes.replaceChildren(...(est.notes || []).map((text) => {
    const li = document.createElement("li");
    li.textContent = `note: ${text}`;
    return li;
  }));
  notes.hidden = !(est.notes || []).length;
  $("memory-result").hidden = false;
}

// What would make a card that is too small fit, as `planner fit` says it (its --headroom and --gpus, in the
// form's words): the largest headroom that does, and the fewest such GPUs (fit.min_gpus, up to 8); where
// neither does, the card it would take (the server's words, fit.card_needed_text).
function remedy(fit) {
  const ways = [];
  if (fit.max_headroom !== null && fit.max_headroom !== undefined) ways.push(`with headroom ${fit.max_headroom.toFixed(2)} or less`);
  if (fit.min_gpus) ways.push(`with ${fit.min_gpus} GPUs per replica`);
  if (ways.length) return `; it fits ${ways.join(", or ")}`;
  return fit.card_needed_text ? `; ${fit.card_needed_text}` : "";
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
    markEdited($("example"), $("yaml"));
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


// Every category the plan has, credits (the residual value of what is bought) as bars left of zero, then
// the total they add up to, so the chart reconciles with the headline.
function renderCostChart(plan, cur) {
  const labels = (META && META.cost_labels) || {};
  const cats = Object.entries(plan.cost_by_category).filter(([, v]) => Math.abs(v) >= 0.5);
  const rows = [...cats.map(([k, v]) => [labels[k] || k.replace(/_/g, " "), v, v < 0 ? "credit" : ""]),
    ["Total", plan.total_cost, "total"]];
  const high = Math.max(0, ...rows.map(([, v]) => v)), low = Math.max(0, ...rows.map(([, v]) => -v));
  const span = (high + low) || 1, zero = 100 * low / span;
  $("cost-chart").innerHTML = rows.map(([label, v, kind]) => {
    const width = 100 * Math.abs(v) / span, left = v < 0 ? zero - width : zero;
    return `<div class="wbar ${kind}"><span>${esc(label)}</span><div class="track">` +
      `<div class="fill ${kind}" style="left:${left.toFixed(2)}%;width:${width.toFixed(2)}%"></div>` +
      (low > 0 ? `<div class="zero" style="left:${zero.toFixed(2)}%"></div>` : "") +
      `</div><span class="amount">${esc(money(v, cur))}</span></div>`;
  }).join("");
}

// The chosen mix as the terminal and the Markdown print it: over periods, the months each line is held
// (its per month is its bill while held) and the note on how the Total's per month adds up.
function renderMix(plan, cur) {
  const report = plan.report, periods = (plan.periods || []).length > 0, total = report.mix_total;
  const months = (m) => (periods ? [m.months] : []);
  table($("mix"), ["Action", "Units", "Item", ...(periods ? ["Months"] : []), "h/month", `Up-front (${cur})`,
    `Per month (${cur})`, `Horizon (${cur})`, "Workloads"],
  report.chosen_mix.map((m) => [m.action, m.count, m.item || m.label || m.option_name, ...months(m), fmt0(m.hours_per_month),
    fmt0(m.capex), fmt0(m.per_month), fmt0(m.cost), m.workloads.join(", ")]),
  periods ? [1, 3, 4, 5, 6, 7] : [1, 3, 4, 5, 6],
  ["Total", total.count, "", ...(periods ? [""] : []), "", fmt0(total.capex), fmt0(total.per_month), fmt0(total.cost), ""]);
  $("mix-note").textContent = report.mix_per_month_note;
  $("mix-note").hidden = !report.mix_per_month_note;
  // Owned machines the plan leaves unused, and what they still cost (not in the total), as the terminal says.
  $("idle-owned").textContent = report.idle_owned_lines.join("\n");
  $("idle-owned").hidden = !report.idle_owned_lines.length;
}

// Rate-stated workloads: each one's total row (capacity summed, worst latencies, the rate asked and the
// share used), then a row per replica, as `planner solve` prints them; the SLOs under the table.
function renderSpeed(rows) {
  $("speed-section").hidden = !rows.length;
  if (!rows.length) return;
  const rate = (x) => (x === null ? "" : fmt(x, 2));
  table($("speed"), ["Workload", "Runs on", "Batch", "TTFT (ms)", "TPOT (ms)", "Output tokens/s",
    "Capacity (req/s)", "Asked (req/s)", "Used", "Binds"],
  rows.map((r) => [r.replica === null ? r.workload : `${r.workload} #${r.replica}`, r.replica === null ? r.runs_on : `${r.runs_on}, ${r.unit}`, r.batch ?? "",
    fmt0(r.ttft_s * 1000), fmt(r.tpot_s * 1000, 1), fmt0(r.output_tokens_per_s), rate(r.requests_per_s),
    rate(r.requests_per_s_asked), r.utilisation === null ? "" : `${Math.round(100 * r.utilisation)} %`, r.binds]),
  [2, 3, 4, 5, 6, 7, 8]);
  const slos = rows.filter((r) => r.replica === null).map((r) => `${r.workload}: ${r.slo}`);
  $("speed-note").textContent = `SLO ${slos.join("; ")}. Each replica runs the largest batch within the SLO ` +
    "that fits its memory, or the smallest that holds its rate's requests in flight 99 % of the time; TPOT is the decode step plus the prefills of requests joining meanwhile; " +
    "binds: what stops a larger batch.";
}

// What to run for each replica (`planner solve --launch`): the engine sized to its reservation.
function renderLaunch(items) {
  const shown = items.filter((l) => l.script.length);
  $("launch-section").hidden = !shown.length;
  $("launch-count").textContent = `${items.length} replica${items.length === 1 ? "" : "s"}`;
  $("launch").innerHTML = items.map((l) => `<div class="launch"><div class="where">${esc(l.where)}</div>` +
    (l.script.length ? `<pre>${esc(l.script.join("\n"))}</pre>` : `<div class="muted">${esc(l.text)}</div>`) +
    "</div>").join("");
}

function renderPlan(data) {
  const plan = data.plan, report = plan.report, cur = plan.currency;
  $("total").textContent = money(plan.total_cost, cur);
  $("capex").textContent = money(plan.capex, cur);
  $("monthly").textContent = money(report.opex_per_month, cur);
  // The tiles add up only with the running months and the residual value: say it, as the terminal does.
  $("sum").textContent = `= up-front ${fmt0(plan.capex)} + running ${fmt0(plan.opex)} ` +
    `(${fmt0(report.opex_per_month)} per month x ${plan.horizon_months})` +
    (plan.residual_value ? ` - residual value ${fmt0(plan.residual_value)}` : "") + ` ${cur}`;
  $("status").textContent = `${plan.status}, gap ${(100 * plan.gap).toFixed(2)} %`;
  // Money in another currency than USD: the rate the USD prices were converted at, as the terminal says it.
  $("exchange-rate").textContent = report.exchange_rate;
  $("exchange-rate").hidden = !report.exchange_rate;
  $("reading").textContent = report.reading;
  // How old the prices are, as every report says it; past the limit it is a warning to check them.
  $("price-age").textContent = report.oldest_price.sentence;
  $("price-age").className = report.oldest_price.stale ? "warning" : "";
  for (const suffix of ["xlsx", "json", "md"]) {
    const link = $(`dl-${suffix}`);
    link.href = `/download/${data.id}.${suffix}`;
    link.setAttribute("download", `${plan.scenario}.${suffix}`);
  }
  renderMix(plan, cur);
  const where = {};
  for (const a of plan.assignments) (where[a.workload] = where[a.workload] || new Set()).add(a.unit);
  table($("workloads"), ["Workload", "Model", "Task", "Precision", "Replicas", "GiB/GPU", "Reserved GiB", "Runs on", `Cost (${cur})`],
    plan.workloads.map((w) => [w.name, w.model, w.task, w.precision, w.replicas, gib(w.per_gpu_bytes), gib(w.reserved_bytes), [...(where[w.name] || [])].join(", "), fmt0(w.cost)]),
    [4, 5, 6, 8]);
  // GiB/GPU is the first replica's: where replicas differ, each figure with its card, as the terminal says it.
  $("workloads-note").textContent = report.replica_memory_note;
  $("workloads-note").hidden = !report.replica_memory_note;
  const maxCost = Math.max(...plan.workloads.map((w) => w.cost), 1);
  $("workload-bars").innerHTML = plan.workloads.map((w) =>
    `<div class="wbar"><span>${esc(w.name)}</span><div class="track"><div class="fill" style="width:${(100 * w.cost / maxCost).toFixed(2)}%"></div></div><span>${esc(money(w.cost, cur))}</span></div>`).join("");
  renderCostChart(plan, cur);
  renderSpeed(report.speed);
  renderLaunch(report.launch);
  // Payback and the reasons an alternative has no price are the terminal's and the Markdown's (cash_flows, reason).
  const label = (a) => (META && META.alternative_labels[a.name]) || a.name;
  const payback = Object.fromEntries(plan.cash_flows.map((f) => [f.name, f.payback_months]));
  table($("savings"), ["Alternative", "Status", `Cost (${cur})`, `Saving (${cur})`, "Saving %", "Payback"],
    plan.alternatives.map((a) => {
      const saving = a.total_cost === null ? null : (a.saving ?? a.total_cost - plan.total_cost);
      const months = payback[a.name];
      return [label(a), a.status, fmt0(a.total_cost), fmt0(saving),
        saving === null || !a.total_cost ? "–" : `${(100 * saving / a.total_cost).toFixed(1)} %`,
        months === null || months === undefined ? "–" : `${months.toFixed(1)} mo`];
    }), [2, 3, 4, 5]);
  const reasons = plan.alternatives.filter((a) => a.reason).map((a) => `${label(a)}: ${a.reason}`);
  if (plan.alternatives.some((a) => payback[a.name] !== null && payback[a.name] !== undefined)) {
    reasons.unshift(report.payback_note);
  }
  $("savings-note").textContent = reasons.join("\n");
  $("savings-note").hidden = reasons.length === 0;
  $("plan").hidden = false;
}

// ---- compare -------------------------------------------------------------------------------------------
async function compare() {
  const button = $("compare-run");
  button.disabled = true; button.textContent = "Solving both…";
  try {
    document.querySelectorAll(".example-pick").forEach((s) => markEdited(s, $(s.dataset.target)));
    const data = await call("/api/compare", { base: $("base-yaml").value, new: $("new-yaml").value });
    showError("compare-error", null);
    const c = data.comparison, cur = c.currency;
    $("compare-headline").textContent = `${c.base} → ${c.new}: ${c.costs[0].text}`;
    // A side whose solve stopped short of proving its plan cheapest ("feasible"): part of the difference
    // may be the solver's. `planner compare` prints the line under its headline; so does the page.
    $("compare-status").textContent = `Status ${c.base_status} → ${c.new_status}`;
    $("compare-status").hidden = c.base_status === c.new_status;
    table($("compare-costs"), ["Line", `Base (${cur})`, `New (${cur})`, "Change"],
      c.costs.map((r) => [r.label, fmt0(r.old), fmt0(r.new), r.text]), [1, 2]);
    const list = (id, items) => { $(id).innerHTML = items.length ? items.map((t) => `<li>${esc(t)}</li>`).join("") : "<li>none</li>"; };
    // The hours each unit runs, in the words `planner compare` prints: what a rented unit's cost is for.
    list("compare-units", c.units.map((u) => `${u.delta > 0 ? "+" : "-"} ${Math.abs(u.delta)} x ${u.action} ${u.option_name} (${u.hours_text}): ${u.old_count} → ${u.new_count} units, ${fmt0(u.old_cost)} → ${fmt0(u.new_cost)} ${cur}`));
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
    renderPerf(data);
  } catch (error) {
    showError("perf-error", error);
    $("perf-warning").hidden = true;
    $("perf-result").hidden = true;
  }
}

// The figures `planner perf` prints, in its order; where the replica does not fit its card, the server's
// warning above them (the figures are still the speed of that replica, as the CLI prints them).
function renderPerf(p) {
  const i = p.inputs;
  const link = i.interconnect ? `, ${i.interconnect}` : "";
  $("perf-title").textContent = `${i.model} on ${i.gpus} x ${i.gpu}${link}: ${i.precision}, ${i.engine}, ` +
    `batch ${i.batch}, ${fmt0(i.input_tokens)} tokens in, ${fmt0(i.output_tokens)} out`;
  table($("perf-table"), ["Figure", "Value"], [
    ["time to first token", `${fmt(p.ttft_s * 1000, 1)} ms`],
    ["time per output token", `${fmt(p.tpot_s * 1000, 2)} ms (a decode step)`],
    ["time per output token, while serving", `${fmt(p.serving_tpot_s * 1000, 2)} ms (+ prefills of joining requests)`],
    ["decode, per sequence", `${fmt(p.decode_tokens_per_s, 1)} tokens/s`],
    ["output, all sequences", `${fmt(p.output_tokens_per_s, 1)} tokens/s (p10-p90 ${fmt0(p.band[0])}-${fmt0(p.band[1])})`],
    ["prefill", `${fmt0(p.prefill_tokens_per_s)} tokens/s`],
    ["requests", `${fmt(p.requests_per_s, 3)} per s`],
    ["decode bound by", p.binds_text],
    ["roofline, per sequence", `${fmt(p.roofline_decode_tokens_per_s, 1)} tokens/s`],
    ["memory per GPU", `${gib(i.memory_per_gpu_bytes)} GiB of ${gib(i.gpu_memory_bytes)} GiB (${p.fits ? "fits" : "does not fit"})`],
  ], [1]);
  $("perf-warning").textContent = p.warning || "";
  $("perf-warning").hidden = !p.warning;
  $("perf-result").hidden = false;
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

// "Start from" names the example the text came from; once the user pastes or types their own, it says so
// ("(edited)") rather than keep naming an example the text no longer is. Text put back to an example's
// own names it again.
function markEdited(select, area) {
  const examples = (META && META.examples) || {};
  const same = Object.keys(examples).find((name) => examples[name] === area.value);
  let edited = select.querySelector("option.edited");
  if (!edited) {
    edited = document.createElement("option");
    edited.className = "edited"; edited.value = ""; edited.textContent = "(edited)"; edited.disabled = true;
    select.appendChild(edited);
  }
  edited.hidden = same !== undefined;
  if (same !== undefined) select.value = same; else edited.selected = true;
}

async function start() {
  let meta;
  try { meta = await call("/api/meta"); } catch (error) { showError("memory-error", error); return; }
  META = meta;
  $("version").textContent = `planner ${meta.version}`;
  fill($("models"), meta.models);
  const gpuNames = meta.gpus.map((g) => g.name);
  // A card the default model (Llama 3.1 8B, 15 GiB of bf16 weights) fits, on both forms.
  const defaultGpu = gpuNames.find((n) => n.includes("RTX 4090")) || gpuNames[0];
  fill($("gpu"), gpuNames, defaultGpu);
  document.querySelectorAll(".gpu-list").forEach((s) => fill(s, gpuNames, defaultGpu));
  fill($("perf-precision"), meta.precisions, "bf16");
  fill($("perf-engine"), meta.perf_engines || []);  // "default": llama.cpp for GGUF, else vLLM
  fill($("perf-kv"), meta.kv_precisions.filter((k) => k !== "16bit"));
  fill($("precision"), meta.precisions, "bf16");
  fill($("engine"), meta.engines);
  fill($("task"), meta.tasks, "inference");
  fill($("kv_precision"), meta.kv_precisions.filter((k) => k !== "16bit"));
  const names = Object.keys(meta.examples);
  fill($("example"), names, "startup");
  document.querySelectorAll(".example-pick").forEach((s) => {
    fill(s, names, "startup");
    const load = () => { $(s.dataset.target).value = meta.examples[s.value] || ""; markEdited(s, $(s.dataset.target)); };
    s.addEventListener("change", load); load();
    $(s.dataset.target).addEventListener("input", () => markEdited(s, $(s.dataset.target)));
  });
  const loadExample = () => {
    $("yaml").value = meta.examples[$("example").value] || ""; markEdited($("example"), $("yaml")); validate();
  };
  $("example").addEventListener("change", loadExample);
  if (names.length) loadExample();
  $("yaml").addEventListener("input", () => { markEdited($("example"), $("yaml")); validate(); });
  $("solve").addEventListener("click", solve);
  $("compare-run").addEventListener("click", compare);
  $("memory-form").addEventListener("input", updateMemory);
  // A choice in a list fires only "change" in some browsers (and under WebDriver): the estimate follows it too
  // (debounced, so a browser that fires both asks once).
  $("memory-form").addEventListener("change", updateMemory);
  $("perf-tab").hidden = !meta.perf;
  $("perf-form").addEventListener("submit", perf);
  document.body.dataset.ready = "1";
  updateMemory();
}

start();
