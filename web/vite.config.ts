import { defineConfig } from 'vite';

// Relative asset paths: the Rust binary serves web/dist at `/`, possibly behind a path prefix.
export default defineConfig({
  base: './',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // maplibre-gl is ~1 MB minified on its own; one chunk keeps the map loading in two requests.
    chunkSizeWarningLimit: 1600,
    sourcemap: false,
    rollupOptions: {
      output: {
        // The MapLibre worker ships as .mjs; name it .js so any static file server sends a
        // JavaScript MIME type (module workers refuse anything else).
        assetFileNames: (info) =>
          (info.names?.[0] ?? '').endsWith('.mjs') ? 'assets/[name]-[hash].js' : 'assets/[name]-[hash][extname]',
      },
    },
  },
  server: { port: 5173 },
});
