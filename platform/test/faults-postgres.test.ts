import { freePort } from '@frontrow/kit';
import { eventually, gql, need, needs, signIn, testSecret, uniqueName, type GqlReply } from '@frontrow/kit/testing';
import { ServiceProcess, gatewayProcess } from './processes';
import { PostgresServer } from './servers';

/**
 * PostgreSQL stopped under load, then started again. Identity and events run as
 * processes of their own, with the gateway, against a PostgreSQL cluster of the test's
 * own (initdb in a temporary folder, a free port): the shared server on 5432 is never
 * touched. Requests go on all the time; the database is stopped (a fast shutdown, as an
 * operator or a failover does) and started again on the same port and data.
 *
 * While it is down, every request is answered within the configured time, with a clear
 * SERVICE_UNAVAILABLE and nothing of the inside (no stack, no SQL, no address). Once it
 * is back, the same processes serve again (nobody restarts them), and what was written
 * before is there.
 */
const ACQUIRE_TIMEOUT_MS = 2000;
const QUERY_TIMEOUT_MS = 2000;
/**
 * The longest a request may take while the database is down or frozen: the longer of
 * the pool's acquire timeout and the driver's wait for an answer (the query timeout and
 * 500 ms, kit db.ts), and a margin for the gateway and a busy machine.
 */
const ANSWERED_WITHIN_MS = Math.max(ACQUIRE_TIMEOUT_MS, QUERY_TIMEOUT_MS + 500) + 3000;
/** How soon after the database is back requests must succeed again. */
const RECOVERED_WITHIN_MS = 10_000;

interface Sample {
  at: number;
  ms: number;
  reply: GqlReply;
}

needs(need.command('initdb'), need.command('postgres'), need.command('pg_ctl'), need.command('runuser'), need.root('the cluster runs as the postgres user')).describe(
  'PostgreSQL restarted under load',
  () => {
    const secret = testSecret();
    const admin = { email: `${uniqueName('admin')}@example.com`, password: 'pg-fault-admin-password' };
    let pg: PostgresServer;
    const services: ServiceProcess[] = [];
    let gateway: ServiceProcess;
    let token: string;

    beforeAll(async () => {
      pg = await PostgresServer.start();
      const common = {
        PRINCIPAL_SECRET: secret,
        DATABASE_URL: pg.url,
        DATABASE_ACQUIRE_TIMEOUT_MS: String(ACQUIRE_TIMEOUT_MS),
        DATABASE_QUERY_TIMEOUT_MS: String(QUERY_TIMEOUT_MS),
        REDIS_URL: '',
        AMQP_URL: '',
      };
      const [identityPort, eventsPort] = [await freePort(), await freePort()];
      services.push(
        new ServiceProcess('identity', 'subgraphs/identity/src/index.ts', { ...common, IDENTITY_PORT: String(identityPort), SEED_ADMIN_EMAIL: admin.email, SEED_ADMIN_PASSWORD: admin.password }, identityPort),
        new ServiceProcess('events', 'subgraphs/events/src/index.ts', { ...common, EVENTS_PORT: String(eventsPort) }, eventsPort),
      );
      await Promise.all(services.map((s) => s.start()));
      gateway = await gatewayProcess('gateway', {
        secret,
        identityUrl: services[0].url,
        subgraphs: { identity: services[0].url, events: services[1].url },
        // Refusals come fast, so four clients send far more than a fan's 600 a minute: this is not about rate limits.
        env: { REDIS_URL: '', RATE_LIMIT_PER_MINUTE: '1000000' },
      });
      await gateway.start();
      token = (await signIn(gateway.url, admin.email, admin.password)).accessToken;
    }, 120_000);

    afterAll(async () => {
      await gateway?.stop();
      await Promise.all(services.map((s) => s.stop()));
      // The cluster, its data and its folder go with it.
      await pg?.destroy();
    });

    /** One request through the gateway that needs both databases: the caller (identity) and the venues (events). */
    async function sample(): Promise<Sample> {
      const at = Date.now();
      const reply = await gql(gateway.url, `{ me { id email } venues { id name } }`, {}, token);
      return { at, ms: Date.now() - at, reply };
    }

    /** Four clients, each sending its next request as soon as the last is answered, until stopped. */
    function load(): { samples: Sample[]; stop(): Promise<void> } {
      const samples: Sample[] = [];
      let running = true;
      const clients = Promise.all(
        Array.from({ length: 4 }, async () => {
          while (running) samples.push(await sample());
        }),
      );
      return {
        samples,
        async stop() {
          running = false;
          await clients;
        },
      };
    }

    const ok = (s: Sample) => !s.reply.errors?.length && s.reply.data?.me && Array.isArray(s.reply.data?.venues);

    /** Checks what was answered while the database could not serve: an answer each time, in bounded time, a clear code, nothing of the inside. */
    function expectCleanRefusals(during: Sample[]): void {
      expect(during.filter((s) => s.ms > ANSWERED_WITHIN_MS).map((s) => s.ms)).toEqual([]);
      for (const s of during.filter((x) => !ok(x))) {
        expect(s.reply.status).toBeLessThan(500);
        expect(s.reply.errors?.length).toBeGreaterThan(0);
        for (const e of s.reply.errors!) {
          expect(e.extensions?.code).toBe('SERVICE_UNAVAILABLE');
          expect(e.extensions?.retryAfterSeconds).toEqual(expect.any(Number));
        }
        expect(JSON.stringify(s.reply.errors)).not.toMatch(/stack|select |insert |ECONN|127\.0\.0\.1|knex|pg_|postgres|timeout|at .*\.(ts|js)/i);
      }
    }

    it('answers SERVICE_UNAVAILABLE in bounded time while it is down, and serves again once it is back, with nothing restarted or lost', async () => {
      const created = await gql(gateway.url, `mutation { createVenue(input: { name: "Before the outage", city: "Bergen", country: "NO", timezone: "Europe/Oslo" }) { id } }`, {}, token);
      expect(created.errors).toBeUndefined();
      const venueId: string = created.data!.createVenue.id;
      const pids = services.map((s) => s.pid);

      const { samples, stop } = load();
      try {
        await eventually(() => samples.filter(ok).length >= 20, 20_000);
        const down = Date.now();
        await pg.stop();
        // Down for a few seconds of the load being refused.
        await eventually(() => samples.some((s) => s.at > down + 3000 && !ok(s)), 30_000);
        await pg.start();
        const back = Date.now();
        const recovered = await eventually(() => samples.find((s) => s.at >= back && ok(s)), RECOVERED_WITHIN_MS + 5000).catch((e) => { console.log(JSON.stringify(samples.slice(-3))); throw e; });
        // A few more after the first success: the pools are whole again, not one lucky connection.
        await eventually(() => samples.filter((s) => s.at >= recovered.at && ok(s)).length >= 20, 20_000);
        await stop();

        const during = samples.filter((s) => s.at > down && s.at < back);
        const failed = during.filter((s) => !ok(s));
        const after = samples.filter((s) => s.at >= recovered.at + 1);
        console.log(
          `PostgreSQL outage ${back - down} ms: ${during.length} requests during it, ${failed.length} refused, the slowest answered in ${Math.max(...during.map((s) => s.ms))} ms; ` +
            `first success ${recovered.at + recovered.ms - back} ms after it was back; ${after.filter((s) => !ok(s)).length} of ${after.length} failed after that`,
        );

        expect(failed.length).toBeGreaterThan(0);
        expectCleanRefusals(during);
        // Back: the same processes serve, within the bound, and keep serving.
        expect(recovered.at + recovered.ms - back).toBeLessThan(RECOVERED_WITHIN_MS);
        expect(after.filter((s) => !ok(s))).toEqual([]);
        expect(services.map((s) => s.pid)).toEqual(pids);
      } finally {
        await stop();
      }

      // What was written before is there, and writing works again.
      const venues = await gql(gateway.url, `{ venues { id name city } }`, {}, token);
      expect(venues.data!.venues).toEqual([{ id: venueId, name: 'Before the outage', city: 'Bergen' }]);
      const again = await gql(gateway.url, `mutation { createVenue(input: { name: "After the outage", city: "Bergen", country: "NO", timezone: "Europe/Oslo" }) { id } }`, {}, token);
      expect(again.errors).toBeUndefined();
    }, 120_000);

    it('answers within the configured time while it is frozen (connections open, nothing answering), and serves again once it thaws', async () => {
      const pids = services.map((s) => s.pid);
      const { samples, stop } = load();
      try {
        await eventually(() => samples.filter(ok).length >= 20, 20_000);
        const frozen = Date.now();
        const thaw = await pg.freeze();
        let thawed: number;
        try {
          // Frozen until requests sent after the freeze have been answered, refused, for a few seconds.
          await eventually(() => samples.some((s) => s.at > frozen + 3000 && !ok(s)), 30_000);
        } finally {
          await thaw();
          thawed = Date.now();
        }
        const recovered = await eventually(() => samples.find((s) => s.at >= thawed && ok(s)), RECOVERED_WITHIN_MS + 5000);
        await eventually(() => samples.filter((s) => s.at >= recovered.at && ok(s)).length >= 20, 20_000);
        await stop();

        const during = samples.filter((s) => s.at > frozen && s.at < thawed);
        const after = samples.filter((s) => s.at >= recovered.at + 1);
        console.log(
          `PostgreSQL frozen ${thawed - frozen} ms: ${during.length} requests during it, ${during.filter((s) => !ok(s)).length} refused, the slowest answered in ${Math.max(...during.map((s) => s.ms))} ms; ` +
            `first success ${recovered.at + recovered.ms - thawed} ms after it thawed; ${after.filter((s) => !ok(s)).length} of ${after.length} failed after that`,
        );
        expect(during.filter((s) => !ok(s)).length).toBeGreaterThan(0);
        expectCleanRefusals(during);
        expect(recovered.at + recovered.ms - thawed).toBeLessThan(RECOVERED_WITHIN_MS);
        expect(after.filter((s) => !ok(s))).toEqual([]);
        expect(services.map((s) => s.pid)).toEqual(pids);
      } finally {
        await stop();
      }
    }, 120_000);
  },
);
