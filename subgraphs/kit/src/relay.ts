import { BadInputError } from './errors';
import { Directive, Field, ObjectType } from 'type-graphql';

/**
 * Relay's PageInfo, one class for every subgraph's connections: the same fields
 * everywhere, so the supergraph composes it as one shareable type.
 */
@Directive('@shareable')
@ObjectType({ description: 'Where a page of a connection sits (Relay cursor connections).' })
export class PageInfo {
  @Field(() => Boolean)
  hasNextPage!: boolean;

  @Field(() => Boolean)
  hasPreviousPage!: boolean;

  @Field(() => String, { nullable: true })
  startCursor?: string | null;

  @Field(() => String, { nullable: true })
  endCursor?: string | null;
}

/** A position in a list ordered by a time, then an id: the keyset every connection pages by. */
export interface CursorPosition {
  at: Date;
  id: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface CursorCodec {
  encode(position: CursorPosition): string;
  /** The position a cursor stands for; BAD_USER_INPUT naming `field` for anything else. */
  decode(cursor: string, field?: string): CursorPosition;
}

/**
 * The cursors of one connection: base64url of `[tag, epoch ms, id]`. The tag names the
 * connection, so a cursor one connection gave out is refused by another; clients treat
 * cursors as opaque.
 */
export function cursorCodec(tag: string): CursorCodec {
  return {
    encode(position) {
      return Buffer.from(JSON.stringify([tag, position.at.getTime(), position.id])).toString('base64url');
    },
    decode(cursor, field = 'after') {
      const invalid = () => new BadInputError('This cursor is not one this connection gave out.', field);
      if (cursor.length > 200 || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw invalid();
      let parsed: unknown;
      try {
        parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
      } catch {
        throw invalid();
      }
      if (!Array.isArray(parsed) || parsed.length !== 3) throw invalid();
      const [given, ms, id] = parsed as unknown[];
      if (given !== tag || typeof ms !== 'number' || !Number.isFinite(ms) || typeof id !== 'string' || !UUID.test(id)) throw invalid();
      const at = new Date(ms);
      if (Number.isNaN(at.getTime())) throw invalid();
      return { at, id: id.toLowerCase() };
    },
  };
}

/** `first` of a connection: `fallback` when absent, 0 to `max`, else BAD_USER_INPUT. */
export function pageSize(first: number | null | undefined, fallback = 20, max = 100): number {
  const size = first ?? fallback;
  if (!Number.isInteger(size) || size < 0 || size > max) throw new BadInputError(`first must be between 0 and ${max}.`, 'first');
  return size;
}

/** The page info of a page with nothing on it. */
export function emptyPageInfo(): PageInfo {
  return { hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null };
}

/**
 * A page from the rows a keyset query returned: ask for `size + 1` rows, and the one
 * beyond the page tells that a next page exists.
 */
export function pageOf<T>(
  rows: T[],
  size: number,
  cursorOf: (node: T) => string,
  hasPreviousPage: boolean,
): { edges: { cursor: string; node: T }[]; pageInfo: PageInfo } {
  const edges = rows.slice(0, size).map((node) => ({ cursor: cursorOf(node), node }));
  return {
    edges,
    pageInfo: {
      hasNextPage: rows.length > size,
      hasPreviousPage,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
  };
}
