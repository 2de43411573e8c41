// Bounded load test of `sam3rt serve` (bench/NOTES.md): N clients for S seconds against a live
// server on the tiny tracker model. Each client keeps one image and loops: 10% of its requests
// upload a new image (distinct bytes: a fixture with a few bytes appended after IEND, which the
// decoder ignores, so every upload is a fresh encode and the cache evicts), 60% text prompts, 30%
// clicks. Reports throughput, p50/p99 latency per kind, statuses (only 200 and 429 are allowed),
// the server's peak RSS (VmHWM) against its RSS after start-up plus the cache budget, and the
// encode/cache counters from /metrics.
//
//   node bench/serve-load.mjs [--cli build/release/sam3rt] [--clients 8] [--seconds 30] [--cache-mb 16]
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const cli = path.resolve(arg('--cli', path.join(root, 'build/release/sam3rt')));
const clients = Number(arg('--clients', 8));
const seconds = Number(arg('--seconds', 30));
const cacheMb = Number(arg('--cache-mb', 16));
const data = path.join(root, 'tests/data');
const fixtures = ['scene_96x64.png', 'scene_168x168.png', 'scene_200x150.png', 'scene_320x180.png']
  .map((f) => fs.readFileSync(path.join(data, 'sam3-tiny/images', f)));

const server = spawn(cli, ['serve', '--device', 'cpu', '--port', '0', '--cache-mb', String(cacheMb),
  '--model', `${data}/sam3-tiny-tracker/model/sam3-tiny-tracker.pt`,
  '--config', `${data}/sam3-tiny-tracker/model/sam3-tiny-tracker.config.json`,
  '--tokenizer', `${data}/sam3-tiny/model/tiny-bpe.txt.gz`], { stdio: ['ignore', 'ignore', 'pipe'] });
let log = '';
const port = await new Promise((resolve, reject) => {
  server.stderr.on('data', (d) => {
    log += d;
    const m = /listening on http:\/\/127\.0\.0\.1:(\d+)\//.exec(log);
    if (m) resolve(Number(m[1]));
  });
  server.on('exit', (code) => reject(new Error(`sam3rt serve exited (${code}): ${log}`)));
});
const base = `http://127.0.0.1:${port}`;
const status = (key) => {
  const m = new RegExp(`${key}:\\s+(\\d+) kB`).exec(fs.readFileSync(`/proc/${server.pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
};
const rssStart = status('VmRSS');
const model = await (await fetch(base + '/v1/model')).json();

const samples = { upload: [], segment: [], click: [] };
const codes = {};
let uploads = 0;
const words = ['cat', 'dog', 'a person', 'red ball', 'tree', 'car', 'chair', 'bird'];
const deadline = performance.now() + seconds * 1000;

async function timed(kind, p, body, type) {
  const t0 = performance.now();
  const r = await fetch(base + p, { method: 'POST', body, headers: { 'Content-Type': type } });
  const doc = await r.json();
  samples[kind].push(performance.now() - t0);
  codes[`${kind} ${r.status}`] = (codes[`${kind} ${r.status}`] || 0) + 1;
  return { status: r.status, doc };
}

async function upload() {
  const k = uploads++;
  const bytes = Buffer.concat([fixtures[k % fixtures.length], Buffer.from(`#${k}`)]);
  const r = await timed('upload', '/v1/images', bytes, 'image/png');
  return r.status === 200 ? r.doc : null;
}

async function client(c) {
  let image = null;
  for (let i = 0; performance.now() < deadline; i++) {
    const roll = (i * 7 + c * 3) % 10;
    if (!image || roll === 0) {
      image = (await upload()) || image;
      continue;
    }
    const p = `/v1/images/${image.image_id}`;
    let r;
    if (roll < 7) {
      r = await timed('segment', `${p}/segment`, JSON.stringify({ text: words[(i + c) % words.length] }), 'application/json');
    } else {
      const pt = [((i * 37) % image.width) + 0.5, ((i * 53) % image.height) + 0.5];
      r = await timed('click', `${p}/click`, JSON.stringify({ points: [pt], labels: [1] }), 'application/json');
    }
    if (r.status === 404) image = null;  // evicted by another client's uploads: upload again
  }
}

const t0 = performance.now();
await Promise.all(Array.from({ length: clients }, (_, c) => client(c)));
const elapsed = (performance.now() - t0) / 1000;
const metrics = await (await fetch(base + '/metrics')).text();
const metric = (name) => Number((new RegExp(`^${name.replace(/[{}"]/g, '\\$&')} (\\S+)$`, 'm').exec(metrics) || [])[1] || 0);
const peak = status('VmHWM');
server.kill('SIGTERM');

const pct = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(q * s.length))] : NaN;
};
const all = [...samples.upload, ...samples.segment, ...samples.click];
const bad = Object.entries(codes).filter(([k]) => !/ (200|429)$/.test(k));
const mib = (b) => (b / 1048576).toFixed(1);
console.log(`${clients} clients x ${seconds} s, tiny tracker model on ${model.device}, --cache-mb ${cacheMb}`);
console.log(`requests: ${all.length} in ${elapsed.toFixed(1)} s = ${(all.length / elapsed).toFixed(1)} req/s; statuses ${JSON.stringify(codes)}`);
console.log('| kind | requests | p50 ms | p99 ms |\n|---|---|---|---|');
for (const [kind, xs] of Object.entries({ ...samples, all }))
  console.log(`| ${kind} | ${xs.length} | ${pct(xs, 0.5).toFixed(1)} | ${pct(xs, 0.99).toFixed(1)} |`);
console.log(`encodes ${metric('sam3rt_encodes_total')}, cache hits ${metric('sam3rt_cache_hits_total')}, ` +
  `evictions ${metric('sam3rt_cache_evictions')}, cached images ${metric('sam3rt_cache_images')} ` +
  `(${mib(metric('sam3rt_cache_bytes'))} MiB of ${mib(metric('sam3rt_cache_budget_bytes'))} MiB; estimate ${mib(model.estimated_bytes_per_image)} MiB/image), ` +
  `429s ${metric('sam3rt_rejected_total')}`);
const bound = rssStart + cacheMb * 1048576;
console.log(`RSS: ${mib(rssStart)} MiB after start-up (model loaded), peak ${mib(peak)} MiB; ` +
  `bound start-up + cache budget + 10% = ${mib(bound * 1.1)} MiB: ${peak <= bound * 1.1 ? 'within' : 'EXCEEDED'}`);
if (bad.length) console.log(`FAIL: statuses other than 200/429: ${JSON.stringify(bad)}`);
process.exit(bad.length || peak > bound * 1.1 ? 1 : 0);
