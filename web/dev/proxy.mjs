// Serve this checkout's web/dist in front of an already running hotspot server, so a map
// change can be tried (and browser-tested) without rebuilding the Rust binary that embeds
// the bundle. Every path except `/`, `/index.html` and `/assets/*` is forwarded as is.
//
//   node dev/proxy.mjs http://127.0.0.1:8080 [port]
//   HOTSPOT_BASE_URL=http://127.0.0.1:5181 npm --prefix ../tests/browser test
import { createServer, request } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';

const DIST = fileURLToPath(new URL('../dist/', import.meta.url));
const UPSTREAM = new URL(process.argv[2] ?? 'http://127.0.0.1:8080');
const PORT = Number(process.argv[3] ?? process.env.PORT ?? 5181);
const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css' };

createServer(async (req, res) => {
  const path = new URL(req.url, 'http://x').pathname;
  if (path === '/' || path === '/index.html' || path.startsWith('/assets/')) {
    const rel = normalize(path === '/' ? 'index.html' : path.slice(1));
    if (rel.startsWith('..')) return void res.writeHead(400).end();
    try {
      const body = await readFile(join(DIST, rel));
      res.writeHead(200, { 'content-type': TYPES[extname(rel)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
      return void res.end(body);
    } catch {
      return void res.writeHead(404).end('not built: run scripts/build-web.sh');
    }
  }
  const up = request({ host: UPSTREAM.hostname, port: UPSTREAM.port, method: req.method, path: req.url, headers: { ...req.headers, host: UPSTREAM.host } }, (r) => {
    res.writeHead(r.statusCode ?? 502, r.headers);
    r.pipe(res);
  });
  up.on('error', (e) => res.writeHead(502).end(String(e)));
  req.pipe(up);
}).listen(PORT, '127.0.0.1', () => console.log(`web/dist + ${UPSTREAM.origin} on http://127.0.0.1:${PORT}`));
