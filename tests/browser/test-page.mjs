// Browser test of the `sam3rt serve` page: Debian's chromium driven by playwright-core against a
// live server with the tiny tracker model. Loads the page, uploads a fixture image, types a
// prompt, clicks, and checks that what the page draws (instance list, scores, boxes, and the mask
// layer's pixels) matches the API's JSON for the same requests; saves screenshots after the text
// prompt and after the click. Fails if the page requests anything from another origin.
//
//   node tests/browser/test-page.mjs --cli build/release/sam3rt [--screenshots DIR]
// Exit codes: 0 pass, 1 fail, 77 skipped (no chromium or playwright-core: run scripts/install-deps.sh).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const cli = path.resolve(arg('--cli', path.join(root, 'build/release/sam3rt')));
const shots = path.resolve(arg('--screenshots', path.join(path.dirname(cli), 'browser-test')));
const chromiumPath = arg('--chromium', '/usr/bin/chromium');
fs.mkdirSync(shots, { recursive: true });
const fixture = path.join(root, 'assets/demo/scene.png');

let chromium;
try {
  ({ chromium } = await import(path.join(here, 'node_modules/playwright-core/index.mjs')));
} catch (e) {
  console.log(`SKIP: playwright-core is not installed in tests/browser (scripts/install-deps.sh installs it): ${e.message}`);
  process.exit(77);
}
if (!fs.existsSync(chromiumPath)) {
  console.log(`SKIP: ${chromiumPath} is missing (apt install chromium; scripts/install-deps.sh does)`);
  process.exit(77);
}

let failures = 0;
function check(ok, what) {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
  if (!ok) failures++;
}

// ---- the server ---------------------------------------------------------------------------

const data = path.join(root, 'tests/data');
const server = spawn(cli, ['serve', '--device', 'cpu', '--port', '0', '--threads', '1',
  '--model', `${data}/sam3-tiny-tracker/model/sam3-tiny-tracker.pt`,
  '--config', `${data}/sam3-tiny-tracker/model/sam3-tiny-tracker.config.json`,
  '--tokenizer', `${data}/sam3-tiny/model/tiny-bpe.txt.gz`], { stdio: ['ignore', 'ignore', 'pipe'] });
let log = '';
const port = await new Promise((resolve, reject) => {
  const timer = setTimeout(() => reject(new Error(`sam3rt serve did not start: ${log}`)), 30000);
  server.stderr.on('data', (d) => {
    log += d;
    const m = /listening on http:\/\/127\.0\.0\.1:(\d+)\//.exec(log);
    if (m) { clearTimeout(timer); resolve(Number(m[1])); }
  });
  server.on('exit', (code) => reject(new Error(`sam3rt serve exited (${code}): ${log}`)));
});
const base = `http://127.0.0.1:${port}`;

async function apiJson(method, p, body, type) {
  const r = await fetch(base + p, { method, body, headers: type ? { 'Content-Type': type } : {} });
  return r.json();
}

// pycocotools' RLE string → row-major mask, independently of the page's decoder.
function decodeRle({ size: [h, w], counts: s }) {
  const counts = [];
  for (let p = 0; p < s.length;) {
    let x = 0, k = 0, more = 1;
    while (more) {
      const c = s.charCodeAt(p++) - 48;
      x |= (c & 0x1f) << (5 * k++);
      more = c & 0x20;
      if (!more && (c & 0x10)) x |= -1 << (5 * k);
    }
    if (counts.length > 2) x += counts[counts.length - 2];
    counts.push(x);
  }
  const m = new Uint8Array(h * w);
  let i = 0;
  counts.forEach((n, r) => {
    if (r % 2) for (let j = i; j < i + n; j++) m[(j % h) * w + Math.floor(j / h)] = 1;
    i += n;
  });
  return m;
}
const area = (m) => m.reduce((a, v) => a + v, 0);
const close = (a, b) => Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(b));

// ---- the page -----------------------------------------------------------------------------

const browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox', '--headless=new'] });
try {
  const page = await browser.newPage({ viewport: { width: 1600, height: 900 }, acceptDownloads: true });
  const foreign = [];
  await page.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(base) || url.startsWith('blob:') || url.startsWith('data:')) return route.continue();
    foreign.push(url);
    return route.abort();
  });
  const consoleErrors = [];
  page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
  page.on('pageerror', (e) => consoleErrors.push(e.message));

  await page.goto(base + '/');
  check(await page.title() === 'sam3rt', 'the page loads');
  const requests = () => page.evaluate(() => window.sam3rt.requests);
  const waitRequests = (n) => page.waitForFunction((k) => window.sam3rt.requests >= k && !window.sam3rt.busy, n);

  // Upload the fixture.
  await page.setInputFiles('#file', fixture);
  await waitRequests(1);
  const imageId = await page.evaluate(() => window.sam3rt.imageId);
  const bytes = fs.readFileSync(fixture);
  const upload = await apiJson('POST', '/v1/images', bytes, 'image/png');
  check(imageId && imageId === upload.image_id, `the page uploaded the image (${imageId})`);
  check(upload.encoded === false, 'the second upload of the same bytes is a cache hit');

  // A text prompt.
  const threshold = 0.125;
  await page.fill('#threshold', String(threshold));
  await page.fill('#prompt', 'cat');
  let n = await requests();
  await page.press('#prompt', 'Enter');
  await waitRequests(n + 1);
  const seg = await apiJson('POST', `/v1/images/${imageId}/segment`, JSON.stringify({ text: 'cat', threshold }),
    'application/json');
  const want = seg.images[0].prompts[0].instances;
  const drawn = await page.evaluate(() => window.sam3rt.instances.map((i) => ({ score: i.score, box: i.box, area: i.area, visible: i.visible })));
  const items = await page.$$eval('#instances li', (lis) => lis.map((li) => ({ score: Number(li.dataset.score), box: JSON.parse(li.dataset.box) })));
  check(want.length > 0 && drawn.length === want.length && items.length === want.length,
    `${want.length} instances in the API's JSON, ${drawn.length} drawn, ${items.length} listed`);
  want.forEach((w, k) => {
    const d = drawn[k] || {};
    check(close(d.score, w.score) && close(items[k]?.score, w.score), `instance ${k}: score ${w.score.toFixed(4)}`);
    check(d.box && d.box.every((v, j) => close(v, w.box_xyxy[j])), `instance ${k}: box ${w.box_xyxy.map((v) => v.toFixed(1))}`);
    check(d.area === area(decodeRle(w.mask)), `instance ${k}: mask of ${d.area} pixels`);
  });
  // The mask layer's painted pixels are exactly the union of the visible masks.
  const maskLayerPixels = () => page.evaluate(() => {
    const c = document.getElementById('mask-layer');
    const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 3; i < px.length; i += 4) n += px[i] > 0;
    return n;
  });
  const union = (masks) => {
    const u = new Uint8Array(masks[0].length);
    for (const m of masks) for (let i = 0; i < m.length; i++) u[i] |= m[i];
    return area(u);
  };
  check(await maskLayerPixels() === union(want.map((w) => decodeRle(w.mask))), 'the mask layer shows the union of the masks');
  // Toggling an instance off removes it from the drawing.
  await page.click('#instances li:first-child input');
  check(await maskLayerPixels() === union(want.slice(1).map((w) => decodeRle(w.mask))), 'unticking instance 0 hides its mask');
  await page.click('#instances li:first-child input');
  await page.screenshot({ path: path.join(shots, 'server-page-text.jpg'), type: 'jpeg', quality: 85 });

  // A click at image pixel (200, 90).
  const box = await page.locator('#mark-layer').boundingBox();
  const at = (x, y) => [box.x + (x + 0.5) * box.width / upload.width, box.y + (y + 0.5) * box.height / upload.height];
  n = await requests();
  await page.mouse.click(...at(200, 90));
  await waitRequests(n + 1);
  const point = await page.evaluate(() => window.sam3rt.points[0]);
  const click = await apiJson('POST', `/v1/images/${imageId}/click`,
    JSON.stringify({ points: [[point.x, point.y]], labels: [1] }), 'application/json');
  const clicks = await page.evaluate(() => window.sam3rt.instances.filter((i) => i.kind === 'click').map((i) => ({ score: i.score, area: i.area, visible: i.visible })));
  check(Math.abs(point.x - 200.5) < 1 && Math.abs(point.y - 90.5) < 1 && point.label === 1, `the click landed at (${point.x.toFixed(1)}, ${point.y.toFixed(1)}), positive`);
  check(clicks.length === click.candidates.length && clicks.length === 3, `${clicks.length} click candidates (API: ${click.candidates.length})`);
  const best = click.candidates.reduce((a, c) => (c.iou > a.iou ? c : a));
  click.candidates.forEach((c, k) => {
    check(clicks[k] && close(clicks[k].score, c.iou) && clicks[k].area === area(decodeRle(c.mask)), `candidate ${k}: IoU ${c.iou.toFixed(4)}, ${clicks[k]?.area} pixels`);
    check(clicks[k] && clicks[k].visible === (c === best), `candidate ${k} ${c === best ? 'shown (best IoU)' : 'hidden'}`);
  });
  check(await maskLayerPixels() === union([...want.map((w) => decodeRle(w.mask)), decodeRle(best.mask)]),
    'the mask layer shows the text instances and the best click candidate');
  // The click screenshot shows the click object alone: the text instances are unticked.
  for (let k = 0; k < want.length; k++) await page.click(`#instances li:nth-child(${k + 1}) input`);
  check(await maskLayerPixels() === area(decodeRle(best.mask)), 'unticking the text instances leaves the click mask');
  await page.screenshot({ path: path.join(shots, 'server-page-click.jpg'), type: 'jpeg', quality: 85 });

  // A negative (right) click refines the same object: one candidate, seeded with the previous mask.
  n = await requests();
  await page.mouse.click(...at(100, 50), { button: 'right' });
  await waitRequests(n + 1);
  const refined = await page.evaluate(() => ({ points: window.sam3rt.points, last: window.sam3rt.lastResponse }));
  check(refined.points.length === 2 && refined.points[1].label === 0, 'a right-click adds a negative point');
  check(refined.last.candidates?.length === 1 && refined.last.prompt.mask_input === 'previous', 'the refined click has one candidate, seeded with the previous mask');

  // A drag draws a box prompt.
  n = await requests();
  await page.mouse.move(...at(150, 40));
  await page.mouse.down();
  await page.mouse.move(...at(220, 100), { steps: 5 });
  await page.mouse.up();
  await waitRequests(n + 1);
  const last = await page.evaluate(() => window.sam3rt.lastResponse);
  check(Array.isArray(last.prompt?.box) && Math.abs(last.prompt.box[0] - 150.5) < 1.5, `a drag sends a box (${last.prompt?.box?.map((v) => v.toFixed(0))})`);

  // Downloads: the JSON is the last answer; the PNG is an image of the image's size.
  const [json] = await Promise.all([page.waitForEvent('download'), page.click('#download-json')]);
  const saved = JSON.parse(fs.readFileSync(await json.path(), 'utf8'));
  check(JSON.stringify(saved) === JSON.stringify(last), 'the JSON download is the last answer');
  const [png] = await Promise.all([page.waitForEvent('download'), page.click('#download-png')]);
  const head = fs.readFileSync(await png.path());
  check(head.readUInt32BE(16) === upload.width && head.readUInt32BE(20) === upload.height, `the masks PNG is ${upload.width}x${upload.height}`);

  // Escape clears the clicks; the timings list shows every request.
  await page.keyboard.press('Escape');
  const cleared = await page.waitForFunction(() => window.sam3rt.points.length === 0 &&
    window.sam3rt.instances.every((i) => i.kind === 'text'), null, { timeout: 5000 }).then(() => true, () => false);
  check(cleared, 'Escape clears the clicks and the click object');
  check(await page.$$eval('#timings li', (l) => l.length) >= 5, 'each request\'s time is listed');
  check(await page.evaluate(() => document.getElementById('status').textContent) === '', 'no error shown');
  check(foreign.length === 0, `no request leaves the server (${foreign.join(', ') || 'none'})`);
  check(consoleErrors.length === 0, `no console errors (${consoleErrors.join(' | ') || 'none'})`);
} catch (e) {
  console.log(`FAIL ${e.stack}`);
  failures++;
} finally {
  await browser.close();
  server.kill('SIGTERM');
}
console.log(failures ? `${failures} check(s) failed` : `all checks passed; screenshots in ${shots}`);
process.exit(failures ? 1 : 0);
