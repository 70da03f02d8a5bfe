import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The web portal: one entry (the schedule and the forms), with the 360 player
// (three.js, janus-gateway) in a chunk of its own that only watch and party load.
// eslint-disable-next-line no-restricted-syntax
export default defineConfig({
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    manifest: true,
    reportCompressedSize: false,
  },
});
