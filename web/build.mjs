// Bundle the map into web/dist with esbuild: one ES module, one stylesheet, the MapLibre worker
// copied beside them, and index.html pointing at all three by relative paths (the Rust binary
// serves web/dist at `/`, possibly under a prefix). No CDN, no fonts, no glyph server.
//
// esbuild rather than vite: vite's rollup needs per-platform optional packages that a
// package-lock.json must list for every OS, and `npm ci` then refuses a lock written on a
// registry mirror that carries only some of them. esbuild has no such gap.
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { copyFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('.', import.meta.url));
const dist = `${root}dist`;
const watch = process.argv.includes('--watch');

await rm(dist, { recursive: true, force: true });
await mkdir(`${dist}/assets`, { recursive: true });

const result = await build({
  absWorkingDir: root,
  entryPoints: { main: 'src/main.ts' },
  outdir: 'dist/assets',
  bundle: true,
  format: 'esm',
  target: 'es2022',
  minify: !watch,
  sourcemap: watch ? 'inline' : false,
  legalComments: 'eof',
  loader: { '.svg': 'dataurl', '.png': 'dataurl' },
  metafile: true,
  logLevel: 'warning',
});

// The worker must be a separate file; main.ts finds it next to itself via import.meta.url.
await copyFile(`${root}node_modules/maplibre-gl/dist/maplibre-gl-worker.mjs`, `${dist}/assets/maplibre-gl-worker.js`);

// Cache-busting query strings from the content, so a new build is never served stale.
const hash = async (f) => createHash('sha256').update(await readFile(f)).digest('hex').slice(0, 10);
const js = await hash(`${dist}/assets/main.js`);
const css = await hash(`${dist}/assets/main.css`);
const html = (await readFile(`${root}index.html`, 'utf8')).replace(
  /<script type="module" src="\.\/src\/main\.ts"><\/script>/,
  `<link rel="stylesheet" href="./assets/main.css?v=${css}" />\n    <script type="module" src="./assets/main.js?v=${js}"></script>`,
);
if (!html.includes('./assets/main.js')) throw new Error('index.html: entry <script> tag not found');
await writeFile(`${dist}/index.html`, html);

const sizes = Object.entries(result.metafile.outputs).map(([f, o]) => `${f} ${(o.bytes / 1024).toFixed(0)} KiB`);
console.log(sizes.join('\n'));
