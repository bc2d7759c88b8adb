// The A/B testing dashboard's page: send the form to the JSON API, show the numbers it returns,
// draw the charts on <canvas>. Every number and its text come from the server (the same functions
// as the command line); this file only lays them out. No libraries: plain DOM and canvas calls.
"use strict";

const $ = (id) => document.getElementById(id);
const COLOURS = { control: "#1f77b4", treatment: "#ff7f0e", overlap: "#d62728", good: "#2ca02c", axis: "#333" };
let lastCounts = null;   // the counts of the last successful analysis: the simulation uses them

// ----------------------------------------------------------------------------- talking to the API

async function callApi(url, options) {
  // -> {ok, data}; data is the JSON answer, or {error} when the server or the network failed
  let response;
  try {
    response = await fetch(url, options);
  } catch (err) {
    return { ok: false, data: { error: "the dashboard server cannot be reached: is ab_testing.py serve still running?" } };
  }
  let data;
  try {
    data = await response.json();
  } catch (err) {
    data = { error: `the server answered ${response.status} ${response.statusText} without a readable message` };
  }
  return { ok: response.ok, data };
}

function postJson(url, body) {
  return callApi(url, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
}

function showError(box, data) {
  document.querySelectorAll("input.invalid").forEach((el) => el.classList.remove("invalid"));
  box.textContent = data.error;
  box.hidden = false;
  const input = data.field ? document.querySelector(`input[name="${data.field}"]`) : null;
  if (input) input.classList.add("invalid");
}

function clearError(box) {
  box.hidden = true;
  box.textContent = "";
  document.querySelectorAll("input.invalid").forEach((el) => el.classList.remove("invalid"));
}

async function busy(button, work) {
  button.disabled = true;
  try { await work(); } finally { button.disabled = false; }
}

// ----------------------------------------------------------------------------- the forms

function countsFromForm() {
  // the text as typed: the server checks it (empty, not a number, negative, too many conversions)
  return {
    control: { visitors: $("control-visitors").value, conversions: $("control-conversions").value },
    treatment: { visitors: $("treatment-visitors").value, conversions: $("treatment-conversions").value },
    alpha: $("alpha").value,
    power: $("power").value,
  };
}

$("counts-form").addEventListener("submit", (event) => {
  event.preventDefault();
  busy($("analyse"), async () => {
    const { ok, data } = await postJson("/api/analyse", countsFromForm());
    ok ? showAnalysis(data) : showError($("error"), data);
  });
});

$("upload-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const file = $("file").files[0];
  if (!file) {
    showError($("error"), { error: "choose a CSV file first (columns group,converted)", field: "file" });
    return;
  }
  const form = new FormData();
  form.append("file", file);
  form.append("alpha", $("alpha").value);
  form.append("power", $("power").value);
  busy($("upload"), async () => {
    const { ok, data } = await callApi("/api/upload", { method: "POST", body: form });
    if (!ok) { showError($("error"), data); return; }
    // the counts found in the file go into the form, so what is shown is what the form says
    $("control-visitors").value = data.counts.control.visitors;
    $("control-conversions").value = data.counts.control.conversions;
    $("treatment-visitors").value = data.counts.treatment.visitors;
    $("treatment-conversions").value = data.counts.treatment.conversions;
    showAnalysis(data);
  });
});

$("simulate-form").addEventListener("submit", (event) => {
  event.preventDefault();
  runSimulation();
});

// ----------------------------------------------------------------------------- showing the results

function showAnalysis(data) {
  clearError($("error"));
  const f = data.figures;
  $("decision").textContent = data.conclusion[0];
  $("decision").className = "decision " + (data.values.significant ? "significant" : "not-significant");
  $("rate-control").textContent = `${data.names[0]} ${f.rate_control}`;
  $("rate-treatment").textContent = `${data.names[1]} ${f.rate_treatment}`;
  $("lift").textContent = f.lift;
  $("difference").textContent = f.difference;
  $("z").textContent = f.z;
  $("p-value").textContent = f.p_value;
  $("p-value-exact").textContent = f.p_value_exact;
  document.querySelectorAll(".level").forEach((el) => { el.textContent = f.level; });
  $("ci-difference").textContent = f.ci_difference;
  $("ci-lift").textContent = f.ci_lift;
  $("effect-h").textContent = f.effect_h;
  $("power-value").textContent = f.power;
  $("target-power").textContent = f.target_power;
  $("n-for-power").textContent = f.n_for_power || "no difference observed: no finite number";
  const list = $("conclusion");
  list.replaceChildren(...data.conclusion.slice(1).map((line) => {
    const item = document.createElement("li");
    item.textContent = line;
    return item;
  }));
  $("report").textContent = data.report.join("\n");
  $("results").hidden = false;
  drawSampling($("sampling-chart"), data.curves, data.names);
  drawIntervals($("ci-chart"), data.values, f);
  lastCounts = { control: data.counts.control, treatment: data.counts.treatment, alpha: data.values.alpha };
  runSimulation();
}

async function runSimulation() {
  // the counts of the analysis on show; before any, the counts in the form
  const counts = lastCounts || countsFromForm();
  const body = { control: counts.control, treatment: counts.treatment, alpha: counts.alpha, experiments: $("experiments").value, looks: $("looks").value, seed: $("seed").value };
  await busy($("simulate"), async () => {
    const { ok, data } = await postJson("/api/simulate", body);
    if (!ok) { showError($("simulate-error"), data); $("simulation").hidden = true; return; }
    clearError($("simulate-error"));
    $("sim-rate").textContent = data.figures.rate;
    $("fpr-once").textContent = data.figures.fpr_once;
    $("fpr-peeking").textContent = data.figures.fpr_peeking;
    $("sim-looks").textContent = data.looks;
    $("ks-uniform").textContent = data.figures.ks_uniform;
    $("simulation-report").textContent = data.report.join("\n");
    $("simulation").hidden = false;
    drawPeeking($("peeking-chart"), data);
  });
}

// ----------------------------------------------------------------------------- charts

function niceTicks(lo, hi, count) {
  // about `count` round tick values (steps of 1, 2 or 5 times a power of ten) covering [lo, hi]
  const raw = (hi - lo) / Math.max(count, 1);
  const power = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw);
  const ticks = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) ticks.push(Number(t.toPrecision(12)));
  return ticks;
}

function frame(canvas, xlo, xhi, ylo, yhi, margin) {
  // a cleared canvas and the maps from data to pixels: px(x), py(y)
  const ctx = canvas.getContext("2d");
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  const m = { left: 50, right: 16, top: 24, bottom: 36, ...margin };
  const w = canvas.width - m.left - m.right, h = canvas.height - m.top - m.bottom;
  const px = (x) => m.left + ((x - xlo) / (xhi - xlo)) * w;
  const py = (y) => m.top + h - ((y - ylo) / (yhi - ylo)) * h;
  return { ctx, m, w, h, px, py };
}

function xAxis(f, ticks, format, label) {
  const { ctx, m, w, h, px } = f;
  ctx.strokeStyle = COLOURS.axis; ctx.fillStyle = COLOURS.axis; ctx.lineWidth = 1;
  ctx.beginPath(); ctx.moveTo(m.left, m.top + h + 0.5); ctx.lineTo(m.left + w, m.top + h + 0.5); ctx.stroke();
  ctx.font = "11px sans-serif"; ctx.textAlign = "center"; ctx.textBaseline = "top";
  for (const t of ticks) {
    ctx.beginPath(); ctx.moveTo(px(t), m.top + h); ctx.lineTo(px(t), m.top + h + 4); ctx.stroke();
    ctx.fillText(format(t), px(t), m.top + h + 6);
  }
  ctx.fillText(label, m.left + w / 2, m.top + h + 20);
}

function yAxis(f, ticks, format, label) {
  const { ctx, m, h, py } = f;
  ctx.strokeStyle = COLOURS.axis; ctx.fillStyle = COLOURS.axis;
  ctx.beginPath(); ctx.moveTo(m.left - 0.5, m.top); ctx.lineTo(m.left - 0.5, m.top + h); ctx.stroke();
  ctx.font = "11px sans-serif"; ctx.textAlign = "right"; ctx.textBaseline = "middle";
  for (const t of ticks) ctx.fillText(format(t), m.left - 6, py(t));
  ctx.save(); ctx.translate(12, m.top + h / 2); ctx.rotate(-Math.PI / 2);
  ctx.textAlign = "center"; ctx.fillText(label, 0, 0); ctx.restore();
}

function legend(f, items) {
  // items: [[colour, text], ...] in a row along the top
  const { ctx, m } = f;
  ctx.font = "12px sans-serif"; ctx.textAlign = "left"; ctx.textBaseline = "middle";
  let x = m.left + 4;
  for (const [colour, text] of items) {
    ctx.fillStyle = colour; ctx.fillRect(x, 6, 14, 10);
    ctx.fillStyle = COLOURS.axis; ctx.fillText(text, x + 18, 11);
    x += 26 + ctx.measureText(text).width;
  }
}

function area(f, xs, ys, colour, alpha) {
  // the region between the curve (xs, ys) and y = 0
  const { ctx, px, py } = f;
  ctx.globalAlpha = alpha; ctx.fillStyle = colour;
  ctx.beginPath(); ctx.moveTo(px(xs[0]), py(0));
  xs.forEach((x, i) => ctx.lineTo(px(x), py(ys[i])));
  ctx.lineTo(px(xs[xs.length - 1]), py(0)); ctx.closePath(); ctx.fill();
  ctx.globalAlpha = 1;
}

function line(f, xs, ys, colour) {
  const { ctx, px, py } = f;
  ctx.strokeStyle = colour; ctx.lineWidth = 2;
  ctx.beginPath();
  xs.forEach((x, i) => (i === 0 ? ctx.moveTo(px(x), py(ys[i])) : ctx.lineTo(px(x), py(ys[i]))));
  ctx.stroke();
}

function drawSampling(canvas, curves, names) {
  // curves: {x: rates in %, control, treatment, overlap: densities per percentage point}
  const xs = curves.x;
  const top = Math.max(...curves.control, ...curves.treatment) * 1.1;
  const f = frame(canvas, xs[0], xs[xs.length - 1], 0, top, { top: 26 });
  area(f, xs, curves.control, COLOURS.control, 0.2);
  area(f, xs, curves.treatment, COLOURS.treatment, 0.2);
  area(f, xs, curves.overlap, COLOURS.overlap, 0.45);
  line(f, xs, curves.control, COLOURS.control);
  line(f, xs, curves.treatment, COLOURS.treatment);
  const xt = niceTicks(xs[0], xs[xs.length - 1], 7);
  xAxis(f, xt, (t) => `${t}%`, "conversion rate (%)");
  yAxis(f, niceTicks(0, top, 4), (t) => String(t), "density per pp");
  legend(f, [[COLOURS.control, names[0]], [COLOURS.treatment, names[1]], [COLOURS.overlap, "overlap"]]);
}

function panel(ctx, width, height) {
  // a stand-in canvas for one panel of a shared canvas (translate the context to its corner first)
  return { width, height, getContext: () => ctx };
}

function drawIntervals(canvas, values, figures) {
  // one row per interval, each on its own axis: the difference in percentage points, the lift in %;
  // the dot is the estimate, the bar the interval, the dashed line 0 (no effect)
  const rows = [["difference (pp)", values.difference * 100, values.ci_difference.map((v) => v * 100)]];
  if (values.lift !== null && values.ci_lift[0] !== null) {
    rows.push(["lift (%)", values.lift * 100, values.ci_lift.map((v) => v * 100)]);
  }
  const ctx = canvas.getContext("2d");
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  const band = canvas.height / 2;
  rows.forEach(([label, estimate, [a, b]], i) => {
    const ends = [a, b, 0];
    const pad = (Math.max(...ends) - Math.min(...ends)) * 0.08 || 1;
    const lo = Math.min(...ends) - pad, hi = Math.max(...ends) + pad;
    ctx.save();
    ctx.translate(0, i * band);
    const f = frame(panel(ctx, canvas.width, band), lo, hi, 0, 1, { left: 110, top: 6, bottom: 34 });
    const y = f.py(0.5);
    ctx.strokeStyle = "#888"; ctx.lineWidth = 1; ctx.setLineDash([4, 3]);
    ctx.beginPath(); ctx.moveTo(f.px(0), f.m.top); ctx.lineTo(f.px(0), f.m.top + f.h); ctx.stroke();
    ctx.setLineDash([]);
    ctx.strokeStyle = COLOURS.treatment; ctx.lineWidth = 6; ctx.globalAlpha = 0.6;
    ctx.beginPath(); ctx.moveTo(f.px(a), y); ctx.lineTo(f.px(b), y); ctx.stroke();
    ctx.globalAlpha = 1; ctx.fillStyle = COLOURS.axis;
    ctx.beginPath(); ctx.arc(f.px(estimate), y, 4, 0, 2 * Math.PI); ctx.fill();
    ctx.font = "12px sans-serif"; ctx.textAlign = "right"; ctx.textBaseline = "middle";
    ctx.fillText(label, f.m.left - 8, y);
    xAxis(f, niceTicks(lo, hi, 7), (t) => String(t), i === 0 ? `${figures.level} confidence intervals (dashed: no effect)` : "");
    ctx.restore();
  });
}

function drawPeeking(canvas, sim) {
  // left: histogram of the final p-values by tenths (flat under H0); right: false positives, once vs peeking
  const ctx = canvas.getContext("2d");
  const f = frame(panel(ctx, canvas.width / 2, canvas.height), 0, 1, 0, Math.max(0.2, ...sim.deciles) * 1.15, { top: 28 });
  sim.deciles.forEach((d, i) => {
    ctx.fillStyle = COLOURS.control;
    ctx.globalAlpha = 0.8;
    ctx.fillRect(f.px(i / 10) + 1, f.py(d), f.px(0.1) - f.px(0) - 2, f.py(0) - f.py(d));
    ctx.globalAlpha = 1;
  });
  ctx.strokeStyle = COLOURS.axis; ctx.setLineDash([5, 4]);
  ctx.beginPath(); ctx.moveTo(f.px(0), f.py(0.1)); ctx.lineTo(f.px(1), f.py(0.1)); ctx.stroke();
  ctx.setLineDash([]);
  xAxis(f, [0, 0.2, 0.4, 0.6, 0.8, 1], (t) => String(t), "final p-value (dashed: uniform)");
  yAxis(f, niceTicks(0, Math.max(0.2, ...sim.deciles) * 1.15, 4), (t) => `${Math.round(t * 100)}%`, "share");
  ctx.font = "12px sans-serif"; ctx.textAlign = "left"; ctx.fillStyle = COLOURS.axis;
  ctx.fillText(`p-values of ${sim.experiments.toLocaleString("en")} A/A tests`, f.m.left, 12);

  ctx.save(); ctx.translate(canvas.width / 2, 0);
  const top = Math.max(sim.fpr_peeking, sim.alpha) * 1.3;
  const g = frame(panel(ctx, canvas.width / 2, canvas.height), 0, 2, 0, top, { top: 28 });
  [[sim.fpr_once, COLOURS.good, "one look", sim.figures.fpr_once],
   [sim.fpr_peeking, COLOURS.overlap, `${sim.looks} looks`, sim.figures.fpr_peeking]].forEach(([v, colour, label, text], i) => {
    ctx.fillStyle = colour; ctx.globalAlpha = 0.85;
    ctx.fillRect(g.px(i + 0.2), g.py(v), g.px(0.6) - g.px(0), g.py(0) - g.py(v));
    ctx.globalAlpha = 1; ctx.fillStyle = COLOURS.axis;
    ctx.font = "12px sans-serif"; ctx.textAlign = "center"; ctx.textBaseline = "bottom";
    ctx.fillText(text, g.px(i + 0.5), g.py(v) - 2);
    ctx.textBaseline = "top"; ctx.fillText(label, g.px(i + 0.5), g.py(0) + 6);
  });
  ctx.strokeStyle = COLOURS.axis; ctx.setLineDash([5, 4]);
  ctx.beginPath(); ctx.moveTo(g.px(0), g.py(sim.alpha)); ctx.lineTo(g.px(2), g.py(sim.alpha)); ctx.stroke();
  ctx.setLineDash([]);
  yAxis(g, niceTicks(0, top, 4), (t) => `${Math.round(t * 100)}%`, "false positives");
  ctx.textAlign = "left"; ctx.textBaseline = "alphabetic";
  ctx.fillText(`dashed: α = ${sim.figures.alpha}`, g.m.left, 12);
  ctx.restore();
}
