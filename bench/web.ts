/**
 * `npm run bench -- web`: the web portal's first load. Two figures:
 *
 * - the JavaScript a browser downloads for the first page (the entry chunk and the
 *   chunks it imports statically, from Vite's manifest), gzipped as a server would
 *   (zlib level 6), next to the lazily loaded player (three.js, janus-gateway) that only
 *   the watch and party pages fetch;
 * - the time from navigation to the schedule rendered (the first event card on screen),
 *   in Debian's chromium against the whole platform on embedded defaults, with a cold
 *   cache (a new browser context each time) and a warm one (a reload).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { browserNeeds } from '@frontrow/platform/browser/needs';
import { DIST, buildWeb } from '@frontrow/web/src/build';
import { chromium } from 'playwright-core';
import { startPlatform } from './platform';
import { machine, percentile, writeSection } from './report';

const HEADING = '## Web portal: first load';
const RUNS = 15;

interface ManifestChunk {
  file: string;
  isEntry?: boolean;
  imports?: string[];
  dynamicImports?: string[];
  css?: string[];
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} kB`;
const gz = (file: string) => gzipSync(readFileSync(join(DIST, file)), { level: 6 }).length;

function sizes(): { firstLoad: number; firstLoadRaw: number; files: string[]; player: number; lazy: Array<{ file: string; gz: number }> } {
  const manifest = JSON.parse(readFileSync(join(DIST, '.vite', 'manifest.json'), 'utf8')) as Record<string, ManifestChunk>;
  const entry = Object.entries(manifest).find(([, c]) => c.isEntry)!;
  const first = new Set<string>();
  const visit = (key: string) => {
    if (first.has(key)) return;
    first.add(key);
    for (const i of manifest[key].imports ?? []) visit(i);
  };
  visit(entry[0]);
  const files = [...first].map((k) => manifest[k].file);
  const lazy = Object.entries(manifest)
    .filter(([k]) => !first.has(k))
    .map(([, c]) => ({ file: c.file, gz: gz(c.file) }))
    .sort((a, b) => b.gz - a.gz);
  return {
    firstLoad: files.reduce((n, f) => n + gz(f), 0),
    firstLoadRaw: files.reduce((n, f) => n + readFileSync(join(DIST, f)).length, 0),
    files,
    player: lazy.find((l) => l.file.includes('player-view'))?.gz ?? 0,
    lazy,
  };
}

async function main(): Promise<void> {
  const { chromium: executablePath, missing } = browserNeeds();
  if (missing.length) throw new Error(`bench/web.ts needs ${missing.join(', ')}`);
  await buildWeb({ force: true });
  const size = sizes();
  const platform = await startPlatform();
  const browser = await chromium.launch({ executablePath: executablePath!, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
  const cold: number[] = [];
  const warm: number[] = [];
  try {
    for (let i = 0; i < RUNS + 1; i++) {
      const context = await browser.newContext();
      const page = await context.newPage();
      const rendered = async () => {
        await page.locator('.card a').first().waitFor();
        return page.evaluate(() => performance.now());
      };
      await page.goto(platform.urls.web);
      const c = await rendered();
      await page.reload();
      const w = await rendered();
      // The first run warms the server (its caches, the JIT): not counted.
      if (i > 0) {
        cold.push(c);
        warm.push(w);
      }
      await context.close();
    }
  } finally {
    await browser.close();
    await platform.stop();
  }
  cold.sort((a, b) => a - b);
  warm.sort((a, b) => a - b);
  const ms = (v: number) => `${Math.round(v)} ms`;
  const body = [
    `Measured by \`bench/web.ts\` (\`npm run bench -- web\`) on ${machine()}: a production build`,
    `of \`clients/web\` (Vite), served by \`startWeb\`, the whole platform on embedded defaults in`,
    `another process, Debian's chromium headless. ${RUNS} navigations to \`/\`, each in a new`,
    `browser context (cold: nothing cached) and then reloaded (warm), after one that is not counted.`,
    '',
    '| figure | value | goal |',
    '| --- | --- | --- |',
    `| JavaScript of the first page load, gzipped | **${kb(size.firstLoad)}** (${kb(size.firstLoadRaw)} minified, ${size.files.length} file${size.files.length > 1 ? 's' : ''}) | ≤ 250 kB — ${size.firstLoad <= 250 * 1024 ? 'met' : 'missed'} |`,
    `| the player, loaded by watch and party only (three.js, janus-gateway), gzipped | ${kb(size.player)} | not in the first load — met |`,
    `| navigation to the schedule rendered, cold, p50 / p95 | **${ms(percentile(cold, 50))}** / ${ms(percentile(cold, 95))} | ≤ 1 s — p50 ${percentile(cold, 50) <= 1000 ? 'met' : 'missed'}, p95 ${percentile(cold, 95) <= 1000 ? 'met' : 'missed'} |`,
    `| the same after a reload (warm cache), p50 / p95 | ${ms(percentile(warm, 50))} / ${ms(percentile(warm, 95))} | |`,
    '',
    `"Rendered" is the first event card in the document, read as \`performance.now()\` in the page`,
    '(milliseconds since the navigation started): the HTML (which carries the configuration), the',
    'entry chunk parsed and run, and the two schedule queries (live and upcoming) through the',
    'gateway, sent as persisted-query hashes. The spread is the machine: its 2 cores also run the',
    'platform and the browser, and other work. Lazily loaded chunks,',
    `gzipped: ${size.lazy.map((l) => `\`${l.file.replace(/^assets\//, '').replace(/-[\w-]{8}\.js$/, '.js')}\` ${kb(l.gz)}`).join(', ')}.`,
  ].join('\n');
  console.log(body);
  writeSection(HEADING, body);
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
