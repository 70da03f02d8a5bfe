/**
 * Writes each subgraph's SDL from its code, then composes supergraph.graphql from
 * supergraph.yaml. With --check it writes nothing and fails when a committed file
 * differs from what the code produces now (CI runs it).
 */
import 'reflect-metadata';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { renderScopesDoc } from '@frontrow/kit';
import { composeSupergraph, readSupergraphConfig } from '@frontrow/gateway/src/compose';
import { printCommerceSdl } from '@frontrow/commerce/src/schema';
import { printCreativeSdl } from '@frontrow/creative/src/schema';
import { printEventsSdl } from '@frontrow/events/src/schema';
import { printIdentitySdl } from '@frontrow/identity/src/schema';
import { printMediaSdl } from '@frontrow/media/src/schema';
import { printPresenceSdl } from '@frontrow/presence/src/schema';
import { printTelemetrySdl } from '@frontrow/telemetry/src/schema';

const ROOT = join(__dirname, '..');
const printers: Record<string, () => Promise<string>> = {
  identity: printIdentitySdl,
  events: printEventsSdl,
  media: printMediaSdl,
  commerce: printCommerceSdl,
  creative: printCreativeSdl,
  presence: printPresenceSdl,
  telemetry: printTelemetrySdl,
};

async function main(): Promise<void> {
  const check = process.argv.includes('--check');
  const entries = readSupergraphConfig(join(ROOT, 'supergraph.yaml'));
  const stale: string[] = [];
  const write = (file: string, text: string) => {
    const current = existsSync(file) ? readFileSync(file, 'utf8') : '';
    if (current === text) return;
    if (check) stale.push(file.slice(ROOT.length + 1));
    else writeFileSync(file, text);
  };
  for (const e of entries) {
    const print = printers[e.name];
    if (!print) throw new Error(`No SDL printer for subgraph "${e.name}" in scripts/compose.ts`);
    write(e.schemaFile, `${(await print()).trim()}\n`);
  }
  write(join(ROOT, 'supergraph.graphql'), `${composeSupergraph(entries).trim()}\n`);
  // Every subgraph's schema is built by now, so every operation's access rule is known.
  write(join(ROOT, 'docs', 'scopes.md'), renderScopesDoc());
  if (check && stale.length) {
    console.error(`Out of date (run npm run compose): ${stale.join(', ')}`);
    process.exit(1);
  }
  console.log(check ? 'supergraph is up to date' : 'wrote the subgraph SDL files, supergraph.graphql and docs/scopes.md');
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
