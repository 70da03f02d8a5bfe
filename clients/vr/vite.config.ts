import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The VR client: one entry (pairing and the lobby, DOM only), with the venue (three.js,
// the Janus player, the sync engine's timeline) in a chunk of its own that the game
// page loads.
// eslint-disable-next-line no-restricted-syntax
export default defineConfig({
  plugins: [react()],
  // The gateway's explorer hoists React 18 to the repository's root: React resolves to this app's own.
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
