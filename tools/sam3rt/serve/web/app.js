// The sam3rt serve page: open or drop an image (uploaded once, encoded once by the server), type
// prompts, click (left = on the object, right or shift = not on it), drag a box; masks, boxes and
// scores are drawn over the image with a list of instances to toggle. Everything it loads comes
// from this server (the page is compiled into the program). window.sam3rt exposes the state for
// the browser test.
'use strict';

const $ = (id) => document.getElementById(id);
const ui = {
  file: $('file'), stage: $('stage'), hint: $('drop-hint'), layers: $('layers'),
  image: $('image-layer'), masks: $('mask-layer'), marks: $('mark-layer'),
  form: $('prompt-form'), prompt: $('prompt'), threshold: $('threshold'), run: $('run'),
  clear: $('clear'), png: $('download-png'), json: $('download-json'), key: $('api-key'),
  instances: $('instances'), timings: $('timings'), status: $('status'),
};

const state = {
  imageId: null, width: 0, height: 0, name: 'image',
  instances: [],   // {label, kind: 'text'|'click', score, box, mask: Uint8Array (row-major), area, visible, color}
  points: [],      // {x, y, label}
  box: null,       // [x0, y0, x1, y1] in image pixels
  lastResponse: null,
  requests: 0,     // finished requests (the browser test waits on it)
  busy: false,
};
window.sam3rt = state;

const COLORS = [[255, 82, 82], [64, 196, 255], [105, 240, 174], [255, 215, 64], [224, 64, 251], [255, 145, 0],
  [29, 233, 182], [255, 64, 129], [124, 77, 255], [178, 255, 89], [0, 176, 255], [255, 110, 64]];

ui.key.value = localStorage.getItem('sam3rt-api-key') || '';
ui.key.addEventListener('change', () => localStorage.setItem('sam3rt-api-key', ui.key.value));

// ---- HTTP ---------------------------------------------------------------------------------

async function api(method, path, body, type) {
  const headers = {};
  if (type) headers['Content-Type'] = type;
  if (ui.key.value) headers['Authorization'] = 'Bearer ' + ui.key.value;
  const t0 = performance.now();
  let response, doc;
  try {
    response = await fetch(path, { method, headers, body });
    doc = await response.json();
  } catch (e) {
    throw new Error(`${method} ${path}: ${e.message}`);
  }
  const ms = performance.now() - t0;
  if (!response.ok) {
    const message = doc && doc.error ? doc.error.message : response.statusText;
    throw new Error(`${response.status}: ${message}`);
  }
  return { doc, ms };
}

function logTiming(what, ms, server) {
  const li = document.createElement('li');
  const parts = Object.entries(server || {}).filter(([k]) => k !== 'total').map(([k, v]) => `${k} ${v.toFixed(1)}`);
  li.textContent = `${what}: ${ms.toFixed(0)} ms` + (parts.length ? ` (server: ${parts.join(', ')} ms)` : '');
  ui.timings.prepend(li);
  while (ui.timings.children.length > 30) ui.timings.lastChild.remove();
}

function setStatus(text) { ui.status.textContent = text || ''; }

async function guarded(fn) {
  state.busy = true;
  setStatus('');
  try {
    await fn();
  } catch (e) {
    setStatus(e.message);
  } finally {
    state.busy = false;
    state.requests++;
  }
}

// ---- masks --------------------------------------------------------------------------------

// pycocotools' compressed RLE string → row-major 0/1 mask (runs are column-major, zeros first).
function decodeRle(rle) {
  const [h, w] = rle.size, s = rle.counts, counts = [];
  for (let p = 0; p < s.length;) {
    let x = 0, k = 0, more = 1;
    while (more) {
      const c = s.charCodeAt(p) - 48;
      x |= (c & 0x1f) << (5 * k);
      more = c & 0x20;
      p++; k++;
      if (!more && (c & 0x10)) x |= -1 << (5 * k);
    }
    if (counts.length > 2) x += counts[counts.length - 2];
    counts.push(x);
  }
  const mask = new Uint8Array(h * w);
  let i = 0, v = 0;
  for (const n of counts) {
    if (v) for (let j = i; j < i + n; j++) mask[(j % h) * w + Math.floor(j / h)] = 1;
    i += n; v ^= 1;
  }
  return mask;
}

function addInstance(kind, label, score, box, rle) {
  const mask = decodeRle(rle);
  let area = 0;
  for (let i = 0; i < mask.length; i++) area += mask[i];
  const color = COLORS[state.instances.length % COLORS.length];
  state.instances.push({ kind, label, score, box, mask, area, visible: true, color });
}

// ---- drawing ------------------------------------------------------------------------------

function drawMasks() {
  const { width: w, height: h } = state;
  if (!w || !h) return;
  const ctx = ui.masks.getContext('2d');
  const img = ctx.createImageData(w, h);
  const px = img.data;
  for (const inst of state.instances) {
    if (!inst.visible) continue;
    const [r, g, b] = inst.color;
    for (let i = 0; i < inst.mask.length; i++)
      if (inst.mask[i]) { px[4 * i] = r; px[4 * i + 1] = g; px[4 * i + 2] = b; px[4 * i + 3] = 120; }
  }
  ctx.putImageData(img, 0, 0);
}

// The image fills the stage (scaled up or down); the mark layer is drawn at screen resolution so
// boxes, labels and points stay sharp on a small image.
let view = 1;  // screen pixels per image pixel
function fit() {
  if (!state.width) return;
  const r = ui.stage.getBoundingClientRect();
  view = Math.min((r.width - 24) / state.width, (r.height - 24) / state.height);
  ui.layers.style.width = `${state.width * view}px`;
  ui.layers.style.height = `${state.height * view}px`;
  const dpr = window.devicePixelRatio || 1;
  ui.marks.width = Math.round(state.width * view * dpr);
  ui.marks.height = Math.round(state.height * view * dpr);
  ui.marks.getContext('2d').setTransform(view * dpr, 0, 0, view * dpr, 0, 0);
  drawMarks();
}
window.addEventListener('resize', fit);

function drawMarks(dragBox) {
  if (!state.width) return;
  const ctx = ui.marks.getContext('2d');
  const scale = 1 / view;  // image pixels per screen pixel: strokes and text keep their screen size
  ctx.clearRect(0, 0, state.width, state.height);
  ctx.lineWidth = 2 * scale;
  ctx.font = `${Math.round(12 * scale)}px system-ui, sans-serif`;
  for (const inst of state.instances) {
    if (!inst.visible || !inst.box) continue;
    const [x0, y0, x1, y1] = inst.box;
    ctx.strokeStyle = `rgb(${inst.color})`;
    ctx.strokeRect(x0, y0, x1 - x0, y1 - y0);
    const text = `${inst.label} ${inst.score.toFixed(2)}`;
    const tw = ctx.measureText(text).width + 6 * scale, th = 16 * scale;
    // Boxes may reach outside the image (as the model predicts them); their labels stay inside.
    const lx = Math.max(0, Math.min(x0, state.width - tw)), ly = Math.max(0, y0 - th);
    ctx.fillStyle = `rgb(${inst.color})`;
    ctx.fillRect(lx, ly, tw, th);
    ctx.fillStyle = '#000';
    ctx.fillText(text, lx + 3 * scale, ly + 12 * scale);
  }
  const box = dragBox || state.box;
  if (box) {
    ctx.setLineDash([6 * scale, 4 * scale]);
    ctx.strokeStyle = '#fff';
    ctx.strokeRect(box[0], box[1], box[2] - box[0], box[3] - box[1]);
    ctx.setLineDash([]);
  }
  for (const p of state.points) {
    ctx.beginPath();
    ctx.arc(p.x, p.y, 5 * scale, 0, 2 * Math.PI);
    ctx.fillStyle = p.label ? '#28dc3c' : '#e62828';
    ctx.fill();
    ctx.strokeStyle = '#000';
    ctx.stroke();
  }
}

function render() {
  drawMasks();
  drawMarks();
  ui.instances.replaceChildren();
  state.instances.forEach((inst, i) => {
    const li = document.createElement('li');
    li.dataset.index = i;
    li.dataset.score = inst.score;
    li.dataset.box = JSON.stringify(inst.box);
    li.dataset.area = inst.area;
    const label = document.createElement('label');
    const check = document.createElement('input');
    check.type = 'checkbox';
    check.checked = inst.visible;
    check.addEventListener('change', () => { inst.visible = check.checked; drawMasks(); drawMarks(); });
    const swatch = document.createElement('span');
    swatch.className = 'swatch';
    swatch.style.background = `rgb(${inst.color})`;
    const name = document.createElement('span');
    name.textContent = inst.label;
    const score = document.createElement('span');
    score.className = 'score';
    score.textContent = (inst.kind === 'click' ? 'IoU ' : '') + inst.score.toFixed(3);
    label.append(check, swatch, name, score);
    li.append(label);
    ui.instances.append(li);
  });
  const has = state.instances.length > 0;
  ui.png.disabled = !has;
  ui.json.disabled = !state.lastResponse;
  ui.clear.disabled = !state.points.length && !state.box;
}

// ---- image --------------------------------------------------------------------------------

async function openImage(file) {
  if (!file) return;
  await guarded(async () => {
    const bitmap = await createImageBitmap(file);
    const { doc, ms } = await api('POST', '/v1/images', file, file.type || 'application/octet-stream');
    logTiming(`upload ${file.name}${doc.encoded ? '' : ' (cached)'}`, ms, doc.timings_ms);
    Object.assign(state, { imageId: doc.image_id, width: doc.width, height: doc.height, name: file.name.replace(/\.[^.]*$/, '') });
    state.instances = []; state.points = []; state.box = null; state.lastResponse = null;
    for (const c of [ui.image, ui.masks]) { c.width = doc.width; c.height = doc.height; }
    ui.image.getContext('2d').drawImage(bitmap, 0, 0);
    ui.hint.hidden = true;
    ui.layers.hidden = false;
    fit();
    ui.prompt.disabled = ui.run.disabled = false;
    ui.prompt.focus();
    render();
  });
}

ui.file.addEventListener('change', () => openImage(ui.file.files[0]));
ui.stage.addEventListener('dragover', (e) => { e.preventDefault(); ui.stage.classList.add('drag'); });
ui.stage.addEventListener('dragleave', () => ui.stage.classList.remove('drag'));
ui.stage.addEventListener('drop', (e) => {
  e.preventDefault();
  ui.stage.classList.remove('drag');
  openImage(e.dataTransfer.files[0]);
});

// ---- text prompts -------------------------------------------------------------------------

ui.form.addEventListener('submit', async (e) => {
  e.preventDefault();
  const text = ui.prompt.value.trim();
  if (!state.imageId || !text) return;
  await guarded(async () => {
    const body = JSON.stringify({ text, threshold: Number(ui.threshold.value) });
    const { doc, ms } = await api('POST', `/v1/images/${state.imageId}/segment`, body, 'application/json');
    logTiming(`segment "${text}"`, ms, doc.timings_ms);
    state.lastResponse = doc;
    state.instances = state.instances.filter((i) => i.kind === 'click');
    const prompt = doc.images[0].prompts[0];
    prompt.instances.forEach((inst, k) => addInstance('text', `${text} #${k + 1}`, inst.score, inst.box_xyxy, inst.mask));
    render();
  });
});

// ---- clicks and boxes ---------------------------------------------------------------------

function imageXY(e) {
  const r = ui.marks.getBoundingClientRect();
  return [(e.clientX - r.left) * state.width / r.width, (e.clientY - r.top) * state.height / r.height];
}

async function sendClick() {
  if (!state.points.length && !state.box) {
    state.instances = state.instances.filter((i) => i.kind !== 'click');
    render();
    return;
  }
  await guarded(async () => {
    const body = { points: state.points.map((p) => [p.x, p.y]), labels: state.points.map((p) => p.label) };
    if (state.box) body.box = state.box;
    // Refine with the previous answer's best mask once the object is being corrected.
    if (state.points.length > 1 && state.instances.some((i) => i.kind === 'click')) body.mask_input = 'previous';
    const { doc, ms } = await api('POST', `/v1/images/${state.imageId}/click`, JSON.stringify(body), 'application/json');
    logTiming(`click (${state.points.length} point${state.points.length === 1 ? '' : 's'}${state.box ? ', box' : ''})`, ms, doc.timings_ms);
    state.lastResponse = doc;
    state.instances = state.instances.filter((i) => i.kind !== 'click');
    const best = doc.candidates.reduce((a, c) => (c.iou > a.iou ? c : a), doc.candidates[0]);
    for (const c of doc.candidates) {
      addInstance('click', `object, candidate ${c.index}`, c.iou, c.box_xyxy, c.mask);
      state.instances[state.instances.length - 1].visible = c === best;
    }
    render();
  });
}

let drag = null;
ui.marks.addEventListener('contextmenu', (e) => e.preventDefault());
ui.marks.addEventListener('pointerdown', (e) => {
  if (!state.imageId || (e.button !== 0 && e.button !== 2)) return;
  drag = { start: imageXY(e), negative: e.button === 2 || e.shiftKey, moved: false };
  ui.marks.setPointerCapture(e.pointerId);
});
ui.marks.addEventListener('pointermove', (e) => {
  if (!drag) return;
  const [x, y] = imageXY(e), [x0, y0] = drag.start;
  const r = ui.marks.getBoundingClientRect();
  if (Math.hypot((x - x0) * r.width / state.width, (y - y0) * r.height / state.height) > 5) drag.moved = true;
  if (drag.moved) drawMarks([Math.min(x0, x), Math.min(y0, y), Math.max(x0, x), Math.max(y0, y)]);
});
ui.marks.addEventListener('pointerup', (e) => {
  if (!drag) return;
  const [x, y] = imageXY(e), [x0, y0] = drag.start;
  const d = drag;
  drag = null;
  if (d.moved) state.box = [Math.min(x0, x), Math.min(y0, y), Math.max(x0, x), Math.max(y0, y)];
  else state.points.push({ x: x0, y: y0, label: d.negative ? 0 : 1 });
  drawMarks();
  sendClick();
});

function clearClicks() {
  state.points = [];
  state.box = null;
  sendClick();
}
ui.clear.addEventListener('click', clearClicks);

document.addEventListener('keydown', (e) => {
  if (e.target instanceof HTMLInputElement) {
    if (e.key === 'Escape') e.target.blur();
    return;
  }
  if (e.key === 'Escape') clearClicks();
  else if (e.key === '/') { e.preventDefault(); ui.prompt.focus(); }
  else if (e.key === 'o') ui.file.click();
});

// ---- downloads ----------------------------------------------------------------------------

function download(blob, name) {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

// The visible masks in their colours on black, at the image's size.
ui.png.addEventListener('click', () => {
  const c = document.createElement('canvas');
  c.width = state.width; c.height = state.height;
  const ctx = c.getContext('2d');
  const img = ctx.createImageData(state.width, state.height);
  for (let i = 3; i < img.data.length; i += 4) img.data[i] = 255;
  for (const inst of state.instances) {
    if (!inst.visible) continue;
    for (let i = 0; i < inst.mask.length; i++)
      if (inst.mask[i]) img.data.set(inst.color, 4 * i);
  }
  ctx.putImageData(img, 0, 0);
  c.toBlob((blob) => download(blob, `${state.name}_masks.png`), 'image/png');
});
ui.json.addEventListener('click', () => {
  download(new Blob([JSON.stringify(state.lastResponse, null, 1)], { type: 'application/json' }), `${state.name}.json`);
});

render();
