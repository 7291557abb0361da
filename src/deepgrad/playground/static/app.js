// deepgrad playground: draws what the server's session sends and sends the page's settings back.
// Plain JavaScript and canvas/SVG, no library.
"use strict";

const FEATURES = ["x1", "x2", "x1^2", "x2^2", "x1x2", "sin(x1)", "sin(x2)"];
const FEATURE_LABELS = {"x1": "X\u2081", "x2": "X\u2082", "x1^2": "X\u2081\u00b2", "x2^2": "X\u2082\u00b2",
  "x1x2": "X\u2081X\u2082", "sin(x1)": "sin(X\u2081)", "sin(x2)": "sin(X\u2082)"};
const $ = (id) => document.getElementById(id);
let ws, settings = {}, state = null, frame = null, playing = false, lossHistory = [], hoverMap = null;

// --- colours: -1 orange, 0 grey-white, +1 blue (TensorFlow Playground's) ---
const NEG = [245, 147, 34], MID = [232, 234, 235], POS = [8, 119, 189];
function colour(v) {
  const t = Math.abs(v), end = v < 0 ? NEG : POS;
  return MID.map((m, i) => Math.round(m + (end[i] - m) * t));
}
function decode(b64) {
  const s = atob(b64), out = new Float32Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) / 127.5 - 1;
  return out;
}
function paintMap(canvas, values, discretize) {
  const n = Math.round(Math.sqrt(values.length)), ctx = canvas.getContext("2d");
  const img = ctx.createImageData(n, n);
  for (let i = 0; i < values.length; i++) {
    const v = discretize ? (values[i] >= 0 ? 1 : -1) : values[i], c = colour(v);
    img.data.set([c[0], c[1], c[2], 255], 4 * i);
  }
  const tmp = document.createElement("canvas");
  tmp.width = tmp.height = n;
  tmp.getContext("2d").putImageData(img, 0, 0);
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(tmp, 0, 0, canvas.width, canvas.height);
}

// --- connection ---
function showError(message, fatal) {
  const box = $("error");
  box.textContent = message;
  box.className = fatal ? "fatal" : "";
  box.hidden = false;
  clearTimeout(showError.timer);
  if (!fatal) showError.timer = setTimeout(() => { box.hidden = true; }, 8000);
}
function send(message) {
  if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(message));
  else showError("not connected to the server: reload the page", true);
}
function set(changes) { send({type: "set", settings: changes}); }
function connect() {
  ws = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws`);
  let fromUrl = readHash();  // read before the first state rewrites the URL
  ws.onmessage = (event) => {
    let message;
    try { message = JSON.parse(event.data); } catch (e) { return; }
    if (message.type === "state") {
      onState(message);
      if (fromUrl) { if (Object.keys(fromUrl).length) set(fromUrl); fromUrl = null; }
    } else if (message.type === "frame") onFrame(message);
    else if (message.type === "settings") { settings = message.settings; showSettings(); }
    else if (message.type === "playing") { playing = message.playing; $("play").classList.toggle("playing", playing); $("play").innerHTML = playing ? "&#10074;&#10074;" : "&#x25B6;"; }
    else if (message.type === "error") { showError(message.message, message.fatal); if (message.type === "error") showSettings(); }
    else if (message.type === "export") download(message);
  };
  ws.onclose = () => showError("the connection to the server closed: reload the page to start a new session", true);
}

// --- the URL holds the settings, so a link rebuilds the same network ---
function writeHash() {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(settings)) p.set(k, Array.isArray(v) ? v.join(",") : String(v));
  window.history.replaceState(null, "", "#" + p.toString());
}
function readHash() {
  const p = new URLSearchParams(location.hash.slice(1)), out = {};
  for (const [k, v] of p.entries()) {
    if (k === "hidden") out[k] = v === "" ? [] : v.split(",").map(Number);
    else if (k === "features") out[k] = v.split(",");
    else if (v === "true" || v === "false") out[k] = v === "true";
    else if (v !== "" && !isNaN(Number(v))) out[k] = Number(v);
    else out[k] = v;
  }
  return out;
}

// --- settings on the page ---
function showSettings() {
  $("learning-rate").value = settings.learning_rate;
  $("activation").value = settings.activation;
  $("optimizer").value = settings.optimizer;
  $("regularization").value = settings.regularization;
  $("reg-rate").value = settings.reg_rate;
  $("seed").value = settings.seed;
  for (const [id, key] of [["train-ratio", "train_ratio"], ["noise", "noise"], ["batch-size", "batch_size"]]) {
    $(id).value = settings[key]; $(id + "-value").textContent = settings[key];
  }
  for (const id of ["wide", "batchnorm", "residual"]) $(id).checked = settings[id];
  document.querySelectorAll("#datasets button").forEach((b) =>
    b.classList.toggle("selected", !state?.custom && b.dataset.dataset === settings.dataset));
  const n = settings.hidden.length;
  $("layer-count").textContent = `${n} hidden layer${n === 1 ? "" : "s"}`;
  writeHash();
}
function onState(message) {
  state = message; settings = message.settings; lossHistory = [];
  showSettings(); buildNetwork();
}

// --- the network: columns of neuron thumbnails joined by weighted edges ---
function nodeSize() {
  const widest = Math.max(...settings.hidden, FEATURES.length);
  return widest > 8 ? Math.max(8, Math.floor(300 / widest)) : 36;
}
function buildNetwork() {
  const columns = $("columns"), size = nodeSize();
  columns.innerHTML = "";
  const inputs = column("Features");
  FEATURES.forEach((name) => {
    const node = thumbnail(size, settings.features.includes(name) ? "" : "off");
    node.dataset.feature = name;
    const label = document.createElement("span"); label.className = "name"; label.textContent = FEATURE_LABELS[name];
    const wrap = document.createElement("div"); wrap.style.position = "relative"; wrap.append(label, node);
    node.onclick = () => {
      const on = settings.features.includes(name);
      const next = on ? settings.features.filter((f) => f !== name) : [...settings.features, name];
      if (!next.length) { showError("keep at least one input feature"); return; }
      set({features: next});
    };
    inputs.body.append(wrap);
  });
  columns.append(inputs.el);
  settings.hidden.forEach((width, l) => {
    const col = column(`${width} neuron${width === 1 ? "" : "s"}`);
    const buttons = document.createElement("div"); buttons.className = "neuron-buttons";
    for (const [text, delta] of [["+", 1], ["\u2212", -1]]) {
      const b = document.createElement("button"); b.textContent = text; b.className = delta > 0 ? "add-neuron" : "remove-neuron";
      b.onclick = () => { const h = [...settings.hidden]; h[l] += delta; if (h[l] < 1) return; set({hidden: h}); };
      buttons.append(b);
    }
    col.el.insertBefore(buttons, col.body);
    for (let j = 0; j < width; j++) { const node = thumbnail(size, ""); node.dataset.layer = l; node.dataset.unit = j; col.body.append(node); }
    columns.append(col.el);
  });
  const out = column("Output");
  const node = thumbnail(size, ""); node.dataset.layer = settings.hidden.length; node.dataset.unit = 0; out.body.append(node);
  columns.append(out.el);
  if (frame) onFrame(frame);
}
function column(title) {
  const el = document.createElement("div"); el.className = "column";
  const t = document.createElement("div"); t.className = "title"; t.textContent = title;
  const body = document.createElement("div"); body.className = "column"; body.style.gap = "6px";
  el.append(t, body);
  return {el, body};
}
function thumbnail(size, cls) {
  const c = document.createElement("canvas"); c.width = c.height = size; c.className = "node " + cls;
  c.style.width = c.style.height = size + "px";
  c.onmouseenter = (e) => hoverNode(c, e); c.onmouseleave = () => { hoverMap = null; tooltip(null); drawOutput(); };
  return c;
}
function nodeMaps(node) {
  if (!frame) return null;
  if (node.dataset.feature) { const i = settings.features.indexOf(node.dataset.feature); return i < 0 ? null : frame.inputs[i]; }
  const l = Number(node.dataset.layer);
  return l < frame.neurons.length ? frame.neurons[l][Number(node.dataset.unit)] : null;
}
function hoverNode(node, event) {
  const map = nodeMaps(node);
  if (map) { hoverMap = decode(map); drawOutput(); }
  if (node.dataset.layer !== undefined && frame) {
    const [, b] = frame.weights[Number(node.dataset.layer)];
    tooltip(event, `bias ${b[Number(node.dataset.unit)]?.toFixed(3)}`);
  } else tooltip(event, node.dataset.feature ? FEATURE_LABELS[node.dataset.feature] : "");
}
function tooltip(event, text) {
  const t = $("tooltip");
  if (!event || !text) { t.hidden = true; return; }
  t.textContent = text; t.style.left = event.clientX + 12 + "px"; t.style.top = event.clientY + 12 + "px"; t.hidden = false;
}
function drawEdges() {
  const svg = $("edges"), box = $("network").getBoundingClientRect();
  svg.innerHTML = "";
  const cols = [...$("columns").children].map((c) => [...c.querySelectorAll("canvas.node")]);
  const sources = [cols[0].filter((n) => !n.classList.contains("off")), ...cols.slice(1)];
  frame.weights.forEach(([W], l) => {
    const from = sources[l], to = sources[l + 1];
    if (!from || !to) return;
    let wmax = 1e-9; W.forEach((row) => row.forEach((w) => { wmax = Math.max(wmax, Math.abs(w)); }));
    W.forEach((row, j) => row.forEach((w, i) => {
      if (!from[i] || !to[j]) return;
      const a = from[i].getBoundingClientRect(), b = to[j].getBoundingClientRect();
      const x1 = a.right - box.left, y1 = a.top + a.height / 2 - box.top, x2 = b.left - box.left, y2 = b.top + b.height / 2 - box.top;
      const path = document.createElementNS("http://www.w3.org/2000/svg", "path");
      const mx = (x1 + x2) / 2;
      path.setAttribute("d", `M${x1},${y1} C${mx},${y1} ${mx},${y2} ${x2},${y2}`);
      const c = colour(Math.max(-1, Math.min(1, w / wmax)));
      path.setAttribute("stroke", `rgb(${c})`); path.setAttribute("fill", "none");
      path.setAttribute("stroke-width", (0.5 + 5 * Math.abs(w) / wmax).toFixed(2));
      path.style.pointerEvents = "stroke";
      path.onmousemove = (e) => tooltip(e, `weight ${w.toFixed(4)}`);
      path.onmouseleave = () => tooltip(null);
      svg.append(path);
    }));
  });
}

// --- a frame: heatmap, thumbnails, edges, losses, curves ---
function onFrame(message) {
  frame = message;
  $("epoch").textContent = String(message.epoch).padStart(6, "0").replace(/(\d{3})$/, ",$1");
  $("test-loss").textContent = message.test_loss.toFixed(3);
  $("train-loss").textContent = message.train_loss.toFixed(3);
  if (!lossHistory.length || lossHistory[lossHistory.length - 1][0] !== message.epoch) lossHistory.push([message.epoch, message.train_loss, message.test_loss]);
  if (lossHistory.length > 2000) lossHistory.splice(0, lossHistory.length - 2000);
  document.querySelectorAll("canvas.node").forEach((node) => {
    const map = nodeMaps(node);
    if (map) paintMap(node, decode(map), false);
    else if (node.dataset.layer == settings.hidden.length) paintMap(node, decode(message.heatmap), false);
  });
  drawOutput(); drawEdges(); drawLossCurve(); drawGradNorms(); drawCurvature();
  const r = message.regions;
  if (!$("show-regions").checked) { $("region-count").textContent = "off"; $("regions-note").textContent = ""; }
  else if (r && r.error) { $("region-count").textContent = "n/a"; $("regions-note").textContent = r.error; }
  else if (r) { $("region-count").textContent = String(r.count); $("regions-note").textContent = r.note || "regions of the network on the whole square, from lab geometry (exact, not sampled)"; }
}
function toCanvas(x, y, canvas) {
  const B = state.box;
  return [(x + B) / (2 * B) * canvas.width, (B - y) / (2 * B) * canvas.height];
}
function drawOutput() {
  if (!frame || !state) return;
  const canvas = $("heatmap"), ctx = canvas.getContext("2d");
  paintMap(canvas, hoverMap || decode(frame.heatmap), !hoverMap && $("discretize").checked);
  if (frame.regions && frame.regions.polygons && $("show-regions").checked) {
    ctx.strokeStyle = "rgba(20,20,20,0.55)"; ctx.lineWidth = 0.8;
    for (const flat of frame.regions.polygons) {
      ctx.beginPath();
      for (let k = 0; k < flat.length; k += 2) { const [px, py] = toCanvas(flat[k], flat[k + 1], canvas); k ? ctx.lineTo(px, py) : ctx.moveTo(px, py); }
      ctx.closePath(); ctx.stroke();
    }
  }
  const drawPoints = (rows, test) => rows.forEach(([x, y, t]) => {
    const [px, py] = toCanvas(x, y, canvas), c = colour(state.classification ? (t > 0 ? 1 : -1) : t);
    ctx.beginPath(); ctx.arc(px, py, 3.5, 0, 2 * Math.PI);
    ctx.fillStyle = `rgb(${c})`; ctx.fill(); ctx.lineWidth = test ? 1.5 : 1; ctx.strokeStyle = test ? "#000" : "#fff"; ctx.stroke();
  });
  drawPoints(state.train, false);
  if ($("show-test").checked) drawPoints(state.test, true);
}
function axes(canvas) {
  const ctx = canvas.getContext("2d");
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  ctx.font = "10px sans-serif"; ctx.fillStyle = "#666";
  return ctx;
}
function drawLossCurve() {
  const canvas = $("loss-curve"), ctx = axes(canvas);
  if (lossHistory.length < 2) return;
  const top = Math.max(...lossHistory.map((h) => Math.max(h[1], h[2])), 1e-9);
  for (const [index, style] of [[2, "#000"], [1, "#999"]]) {
    ctx.beginPath(); ctx.strokeStyle = style; ctx.lineWidth = 1.5;
    lossHistory.forEach((h, i) => { const x = i / (lossHistory.length - 1) * canvas.width, y = canvas.height - 4 - h[index] / top * (canvas.height - 8); i ? ctx.lineTo(x, y) : ctx.moveTo(x, y); });
    ctx.stroke();
  }
  ctx.fillText("test (black), training (grey)", 4, 10);
}
function logBars(canvas, values, labels) {
  const ctx = axes(canvas), logs = values.map((v) => Math.log10(Math.max(v, 1e-12)));
  const lo = Math.min(...logs, -6), hi = Math.max(...logs, 0) + 0.3, w = canvas.width / values.length;
  values.forEach((v, i) => {
    const h = (logs[i] - lo) / (hi - lo) * (canvas.height - 26);
    ctx.fillStyle = "#0877bd"; ctx.fillRect(i * w + 6, canvas.height - 14 - h, w - 12, h);
    ctx.fillStyle = "#333"; ctx.fillText(v.toExponential(1), i * w + 6, canvas.height - 18 - h);
    ctx.fillText(labels[i], i * w + 6, canvas.height - 3);
  });
}
function drawGradNorms() {
  const n = frame.grad_norms.length;
  logBars($("grad-norms"), frame.grad_norms, frame.grad_norms.map((_, i) => i === n - 1 ? "out" : `W${i + 1}`));
}
function drawCurvature() {
  const canvas = $("curvature"), ctx = axes(canvas), c = frame.curvature;
  if (!c || !c.history.length) return;
  const [, lam] = c.history[c.history.length - 1], lr = c.learning_rate;
  const sgd = ["sgd", "momentum", "nesterov"].includes(c.optimizer);
  $("curvature-text").innerHTML = `&lambda;<sub>max</sub> = ${lam.toPrecision(3)}, 2/&lambda;<sub>max</sub> = ${(2 / lam).toPrecision(3)}, ` +
    `learning rate ${lr} ${lr > 2 / lam ? "<b style='color:#c62828'>&gt; 2/&lambda;: gradient descent is unstable</b>" : "&lt; 2/&lambda;: stable"}` +
    (sgd ? "" : " (the 2/&lambda; rule is for plain gradient descent)");
  const values = c.history.map(([, l]) => Math.log10(2 / Math.max(l, 1e-12))), lrLog = Math.log10(lr);
  const lo = Math.min(...values, lrLog) - 0.2, hi = Math.max(...values, lrLog) + 0.2, y = (v) => canvas.height - 12 - (v - lo) / (hi - lo) * (canvas.height - 24);
  ctx.beginPath(); ctx.strokeStyle = "#0877bd"; ctx.lineWidth = 1.5;
  values.forEach((v, i) => { const x = values.length > 1 ? i / (values.length - 1) * canvas.width : 0; i ? ctx.lineTo(x, y(v)) : ctx.moveTo(x, y(v)); });
  ctx.stroke();
  ctx.fillStyle = "#0877bd";
  values.forEach((v, i) => { const x = values.length > 1 ? i / (values.length - 1) * canvas.width : canvas.width / 2; ctx.beginPath(); ctx.arc(x, y(v), 3, 0, 2 * Math.PI); ctx.fill(); });
  ctx.fillStyle = "#666";
  ctx.beginPath(); ctx.strokeStyle = "#f59322"; ctx.setLineDash([4, 3]); ctx.moveTo(0, y(lrLog)); ctx.lineTo(canvas.width, y(lrLog)); ctx.stroke(); ctx.setLineDash([]);
  ctx.fillText("2/\u03bbmax (blue) vs learning rate (orange), log scale", 4, 10);
}

// --- exports ---
function download(message) {
  const bytes = message.base64 ? Uint8Array.from(atob(message.base64), (ch) => ch.charCodeAt(0)) : message.text;
  const url = URL.createObjectURL(new Blob([bytes], {type: message.base64 ? "application/octet-stream" : "text/x-python"}));
  const a = document.createElement("a"); a.href = url; a.download = message.filename; document.body.append(a); a.click(); a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

// --- wiring ---
function wire() {
  $("play").onclick = () => send({type: playing ? "pause" : "play"});
  $("step").onclick = () => send({type: "step"});
  $("reset").onclick = () => send({type: "reset"});
  $("regenerate").onclick = () => send({type: "regenerate"});
  document.querySelectorAll("#datasets button").forEach((b) => { b.onclick = () => set({dataset: b.dataset.dataset}); });
  $("add-layer").onclick = () => set({hidden: [...settings.hidden, settings.hidden.length ? settings.hidden[settings.hidden.length - 1] : 4]});
  $("remove-layer").onclick = () => set({hidden: settings.hidden.slice(0, -1)});
  const number = (id, key) => { $(id).onchange = () => { const v = Number($(id).value); set({[key]: $(id).value.trim() === "" || isNaN(v) ? $(id).value : v}); }; };
  number("learning-rate", "learning_rate"); number("reg-rate", "reg_rate"); number("seed", "seed");
  for (const [id, key] of [["activation", "activation"], ["optimizer", "optimizer"], ["regularization", "regularization"]]) $(id).onchange = () => set({[key]: $(id).value});
  for (const [id, key] of [["train-ratio", "train_ratio"], ["noise", "noise"], ["batch-size", "batch_size"]]) {
    $(id).oninput = () => { $(id + "-value").textContent = $(id).value; };
    $(id).onchange = () => set({[key]: Number($(id).value)});
  }
  for (const id of ["wide", "batchnorm", "residual"]) $(id).onchange = () => set({[id]: $(id).checked});
  $("show-test").onchange = drawOutput; $("discretize").onchange = drawOutput;
  $("show-regions").onchange = () => send({type: "show", what: "regions", on: $("show-regions").checked});
  $("show-curvature").onchange = () => send({type: "show", what: "curvature", on: $("show-curvature").checked});
  $("export-model").onclick = () => send({type: "export", kind: "model"});
  $("export-script").onclick = () => send({type: "export", kind: "script"});
  $("heatmap").onclick = (e) => {
    const r = $("heatmap").getBoundingClientRect(), B = state.box;
    const x = (e.clientX - r.left) / r.width * 2 * B - B, y = B - (e.clientY - r.top) / r.height * 2 * B;
    send({type: "add_point", x, y, label: state.classification ? (e.shiftKey ? 0 : 1) : (e.shiftKey ? -1 : 1)});
  };
  $("upload").onchange = () => {
    const file = $("upload").files[0];
    if (!file) return;
    if (file.size > 200000) { showError(`upload: the file has ${file.size} bytes, the limit is 200000`); return; }
    file.text().then((text) => send({type: "upload", text}));
    $("upload").value = "";
  };
  window.addEventListener("resize", () => frame && drawEdges());
}
wire();
connect();
