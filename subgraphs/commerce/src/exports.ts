import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import type { Logger } from '@frontrow/kit';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Request, Response } from 'express';

export const EXPORT_PATH = '/exports/orders.csv';

/** A key of its own for export links, derived from the principal secret (every instance shares it). */
export function deriveExportKey(principalSecret: string): Buffer {
  return Buffer.from(hkdfSync('sha256', principalSecret, 'frontrow-commerce', 'finance export urls v1', 32));
}

function signature(key: Buffer, from: string, to: string, expires: string): Buffer {
  return createHmac('sha256', key).update(`GET ${EXPORT_PATH}\n${from}\n${to}\n${expires}`).digest();
}

/**
 * `<base>/exports/orders.csv?from=&to=&expires=&sig=`, valid for `ttlSeconds`. The base is
 * where the public reaches commerce's downloads: the gateway's `/files/commerce`.
 */
export function signExportUrl(baseUrl: string, key: Buffer, from: Date, to: Date, ttlSeconds: number, now = Date.now()): string {
  const url = new URL(`${baseUrl.replace(/\/+$/, '')}${EXPORT_PATH}`);
  const f = from.toISOString();
  const t = to.toISOString();
  const expires = String(Math.floor(now / 1000) + ttlSeconds);
  url.searchParams.set('from', f);
  url.searchParams.set('to', t);
  url.searchParams.set('expires', expires);
  url.searchParams.set('sig', signature(key, f, t, expires).toString('hex'));
  return url.toString();
}

/** The period of a valid, unexpired link; null for anything else. */
export function verifyExportQuery(query: Record<string, unknown>, key: Buffer, nowSeconds = Math.floor(Date.now() / 1000)): { from: Date; to: Date } | null {
  const { from, to, expires, sig } = query;
  if (typeof from !== 'string' || typeof to !== 'string' || typeof expires !== 'string' || typeof sig !== 'string') return null;
  if (!/^\d{1,12}$/.test(expires) || !/^[0-9a-f]{64}$/.test(sig)) return null;
  const given = Buffer.from(sig, 'hex');
  const expected = signature(key, from, to, expires);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  if (Number(expires) < nowSeconds) return null;
  const f = new Date(from);
  const t = new Date(to);
  if (Number.isNaN(f.getTime()) || Number.isNaN(t.getTime())) return null;
  return { from: f, to: t };
}

interface ExportRow {
  id: string;
  created_at: Date | string;
  user_id: string;
  status: string;
  currency: string;
  total_amount: number;
}

function csvField(v: string | number): string {
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function csvLine(fields: Array<string | number>): string {
  return `${fields.map(csvField).join(',')}\r\n`;
}

/** Writes and waits when the socket's buffer is full, so a large export never sits in memory. */
async function write(res: Response, chunk: string): Promise<void> {
  if (res.destroyed) throw new Error('the client went away');
  if (res.write(chunk)) return;
  await new Promise<void>((resolve, reject) => {
    const drained = () => {
      res.off('close', closed);
      resolve();
    };
    const closed = () => {
      res.off('drain', drained);
      reject(new Error('the client went away'));
    };
    res.once('drain', drained);
    res.once('close', closed);
  });
}

const PAGE = 1000;

/**
 * `GET /exports/orders.csv`: one row per order created in [from, to), oldest first,
 * then per currency the totals: `captured` (PAID and REFUNDED orders, the money
 * taken), `refunded`, and `net` (captured minus refunded). Amounts in minor units.
 * Read page by page (keyset on created_at, id) and streamed.
 */
export function exportRoute(root: EntityManager, key: Buffer, logger: Logger) {
  return async (req: Request, res: Response): Promise<void> => {
    const period = verifyExportQuery(req.query as Record<string, unknown>, key);
    if (!period) {
      res.status(403).type('text/plain').send('This export link is invalid or has expired.\n');
      return;
    }
    const conn = root.fork().getConnection();
    const totals = new Map<string, { captured: number; refunded: number }>();
    res.status(200);
    res.setHeader('content-type', 'text/csv; charset=utf-8');
    res.setHeader('cache-control', 'no-store');
    res.setHeader(
      'content-disposition',
      `attachment; filename="orders-${period.from.toISOString().slice(0, 10)}-${period.to.toISOString().slice(0, 10)}.csv"`,
    );
    try {
      await write(res, csvLine(['id', 'created_at', 'user_id', 'status', 'currency', 'amount']));
      let after: { createdAt: Date; id: string } | undefined;
      for (;;) {
        const rows: ExportRow[] = await conn.execute<ExportRow[]>(
          `select id, created_at, user_id, status, currency, total_amount from orders
           where created_at >= ? and created_at < ? ${after ? 'and (created_at, id) > (?, ?)' : ''}
           order by created_at, id limit ${PAGE}`,
          after ? [period.from, period.to, after.createdAt, after.id] : [period.from, period.to],
          'all',
        );
        for (const r of rows) {
          const createdAt = new Date(r.created_at);
          await write(res, csvLine([r.id, createdAt.toISOString(), r.user_id, r.status, r.currency, r.total_amount]));
          const t = totals.get(r.currency) ?? { captured: 0, refunded: 0 };
          if (r.status === 'PAID' || r.status === 'REFUNDED') t.captured += r.total_amount;
          if (r.status === 'REFUNDED') t.refunded += r.total_amount;
          totals.set(r.currency, t);
        }
        if (rows.length < PAGE) break;
        const last = rows[rows.length - 1];
        after = { createdAt: new Date(last.created_at), id: last.id };
      }
      for (const currency of [...totals.keys()].sort()) {
        const t = totals.get(currency)!;
        await write(res, csvLine(['total', '', '', 'captured', currency, t.captured]));
        await write(res, csvLine(['total', '', '', 'refunded', currency, t.refunded]));
        await write(res, csvLine(['total', '', '', 'net', currency, t.captured - t.refunded]));
      }
      res.end();
    } catch (err) {
      logger.error({ err }, 'finance export failed');
      // Headers are out: cut the stream so the client sees an incomplete download, not a short file.
      res.destroy(err as Error);
    }
  };
}
