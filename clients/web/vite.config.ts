import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The web portal: one entry (the schedule and the forms), with the 360 player
// (three.js, janus-gateway) in a chunk of its own that only watch and party load.
// eslint-disable-next-line no-restricted-syntax
export default defineConfig({
  plugins: [react()],
  // The gateway's explorer (graphiql) hoists React 18 to the repository's root, where
  // @apollo/client would find it: every import of React resolves to the portal's own.
  resolve: { dedupe: ['react', 'react-dom'] },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    manifest: true,
    reportCompressedSize: false,
  },
});
