import { randomUUID } from 'node:crypto';
import { BadInputError, NotFoundError } from '../src/errors';
import { foreignId, isUuid, parseId, requireId } from '../src/ids';
import { cursorCodec, emptyPageInfo, pageOf, pageSize } from '../src/relay';

const MALFORMED = ['nope', '', "' or 1=1 --", '00000000-0000-0000-0000-00000000000g', `${randomUUID()}x`, 42, null, undefined, {}];

describe('ids', () => {
  it('gives the canonical id of a UUID in any case, and null for anything else', () => {
    const id = randomUUID();
    expect(parseId(id)).toBe(id);
    expect(parseId(id.toUpperCase())).toBe(id);
    for (const value of MALFORMED) expect({ value, id: parseId(value) }).toEqual({ value, id: null });
    expect(isUuid(id)).toBe(true);
    expect(isUuid('nope')).toBe(false);
  });

  it('answers a malformed id of something that must exist with NOT_FOUND, as an unknown one', () => {
    const id = randomUUID();
    expect(requireId(id.toUpperCase(), 'Party')).toBe(id);
    for (const value of MALFORMED) {
      const thrown = (() => {
        try {
          requireId(value, 'Party');
        } catch (e) {
          return e;
        }
      })();
      expect(thrown).toBeInstanceOf(NotFoundError);
      expect((thrown as NotFoundError).code).toBe('NOT_FOUND');
    }
  });

  it("answers a malformed id of another subgraph's entity with BAD_USER_INPUT naming the field", () => {
    const id = randomUUID();
    expect(foreignId(id, 'feedId')).toBe(id);
    try {
      foreignId('nope', 'feedId');
      throw new Error('accepted a malformed id');
    } catch (e) {
      expect(e).toBeInstanceOf(BadInputError);
      expect((e as BadInputError).details).toMatchObject({ field: 'feedId' });
    }
  });
});

describe('cursors', () => {
  const orders = cursorCodec('or1');
  const events = cursorCodec('ev1');

  it('round-trips a position, canonical id and time to the millisecond', () => {
    const position = { at: new Date('2031-03-01T18:00:00.123Z'), id: randomUUID() };
    const cursor = orders.encode(position);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(orders.decode(cursor)).toEqual(position);
    expect(orders.decode(orders.encode({ ...position, id: position.id.toUpperCase() }))).toEqual(position);
  });

  it("refuses another connection's cursor, garbage and tampering with BAD_USER_INPUT naming the argument", () => {
    const position = { at: new Date(), id: randomUUID() };
    const forged = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const bad = [
      events.encode(position),
      'not a cursor',
      '',
      'x'.repeat(201),
      forged(['or1', 'soon', position.id]),
      forged(['or1', Date.now(), 'nope']),
      forged(['or1', 1e20, position.id]),
      forged(['or1', Date.now()]),
      forged({ at: Date.now(), id: position.id }),
    ];
    for (const cursor of bad) {
      try {
        orders.decode(cursor, 'after');
        throw new Error(`accepted ${cursor}`);
      } catch (e) {
        expect(e).toBeInstanceOf(BadInputError);
        expect((e as BadInputError).details).toMatchObject({ field: 'after' });
      }
    }
  });

  it('takes 0 to 100 rows a page, 20 when not told', () => {
    expect(pageSize(undefined)).toBe(20);
    expect(pageSize(null)).toBe(20);
    expect(pageSize(0)).toBe(0);
    expect(pageSize(100)).toBe(100);
    for (const first of [-1, 101, 1.5, Number.NaN]) expect(() => pageSize(first)).toThrow(BadInputError);
  });

  it('makes a page of the rows a keyset query returned, the extra row telling of a next page', () => {
    const rows = ['a', 'b', 'c'];
    expect(pageOf(rows, 2, (r) => `c-${r}`, true)).toEqual({
      edges: [
        { cursor: 'c-a', node: 'a' },
        { cursor: 'c-b', node: 'b' },
      ],
      pageInfo: { hasNextPage: true, hasPreviousPage: true, startCursor: 'c-a', endCursor: 'c-b' },
    });
    expect(pageOf(rows, 3, (r) => r, false).pageInfo).toEqual({ hasNextPage: false, hasPreviousPage: false, startCursor: 'a', endCursor: 'c' });
    expect(pageOf([], 0, (r) => String(r), false).pageInfo).toEqual(emptyPageInfo());
  });
});
