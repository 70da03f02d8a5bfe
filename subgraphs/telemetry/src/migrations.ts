import { KIT_MIGRATIONS } from '@frontrow/kit';
import { Migration } from '@mikro-orm/migrations';

/**
 * Raw telemetry in daily range partitions (created ahead of time by partitions.ts and
 * dropped after the retention), the sessions' owners, what the rollup worker still has
 * to compute, the rollups, and the audit log, which refuses UPDATE and DELETE.
 */
class InitialTelemetry extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table telemetry_event (
      at timestamptz not null,
      event_id uuid not null,
      kind text not null,
      session_id text not null,
      user_id uuid not null,
      feed_id uuid null,
      placement_id uuid null,
      value double precision null,
      received_at timestamptz not null default now()
    ) partition by range (at)`);
    this.addSql(`create index telemetry_event_event_at on telemetry_event (event_id, at)`);
    this.addSql(`create index telemetry_event_placement_at on telemetry_event (placement_id, at) where placement_id is not null`);
    // The first user to record a session owns it; nobody else may record for it.
    this.addSql(`create table telemetry_session (
      session_id text primary key,
      user_id uuid not null,
      first_seen_at timestamptz not null default now()
    )`);
    // Written in the same transaction as the raw rows: a crash between ingest and
    // rollup leaves the work to do, not a wrong rollup.
    // One row per batch and minute (or hour), never updated: an ingest never waits on
    // the rollup worker, which deletes exactly the marks it recomputed.
    this.addSql(`create table rollup_dirty (
      id bigint generated always as identity primary key,
      event_id uuid not null,
      minute timestamptz not null,
      marked_at timestamptz not null default now()
    )`);
    this.addSql(`create table impression_dirty (
      id bigint generated always as identity primary key,
      placement_id uuid not null,
      hour timestamptz not null,
      marked_at timestamptz not null default now()
    )`);
    this.addSql(`create table qos_minute (
      event_id uuid not null,
      minute timestamptz not null,
      viewers int not null,
      startup_count int not null,
      startup_p50 double precision null,
      startup_p95 double precision null,
      startup_hist jsonb not null,
      rebuffer_count int not null,
      rebuffer_ms double precision not null,
      bitrate_count int not null,
      bitrate_p50 double precision null,
      bitrate_hist jsonb not null,
      errors int not null,
      computed_at timestamptz not null,
      primary key (event_id, minute)
    )`);
    this.addSql(`create table impression_hour (
      placement_id uuid not null,
      hour timestamptz not null,
      impressions int not null,
      viewers int not null,
      computed_at timestamptz not null,
      primary key (placement_id, hour)
    )`);
    this.addSql(`create table audit_entry (
      id uuid primary key,
      actor_id uuid null,
      actor_roles jsonb not null,
      action text not null,
      subgraph text not null,
      target_type text not null,
      target_id text null,
      at timestamptz not null,
      details jsonb not null,
      recorded_at timestamptz not null
    )`);
    this.addSql(`create index audit_entry_at on audit_entry (at desc, id desc)`);
    this.addSql(`create index audit_entry_actor on audit_entry (actor_id, at desc, id desc)`);
    this.addSql(`create index audit_entry_action on audit_entry (action, at desc, id desc)`);
    // Append-only at the database too, whatever code runs against it.
    this.addSql(`create function audit_entry_append_only() returns trigger language plpgsql as $$
      begin
        raise exception 'audit entries are never updated or deleted';
      end $$`);
    this.addSql(`create trigger audit_entry_append_only before update or delete on audit_entry
      for each row execute function audit_entry_append_only()`);
    this.addSql(`create table alert_rule (
      id uuid primary key,
      metric text not null,
      threshold double precision not null,
      time_window text not null,
      active boolean not null default true,
      created_by uuid not null,
      created_at timestamptz not null,
      updated_at timestamptz not null
    )`);
    this.addSql(`create table alert (
      id uuid primary key,
      rule_id uuid not null references alert_rule (id),
      event_id uuid null,
      value double precision not null,
      fired_at timestamptz not null
    )`);
    this.addSql(`create index alert_fired_at on alert (fired_at desc, id desc)`);
    // Whether a rule is above its threshold for an event now: an alert fires on the
    // crossing, once, and again only after the value came back.
    this.addSql(`create table alert_state (
      rule_id uuid not null references alert_rule (id),
      event_id uuid not null,
      firing boolean not null,
      changed_at timestamptz not null,
      primary key (rule_id, event_id)
    )`);
  }
}

/**
 * Whose placements are whose, as creative announces them on the bus: sponsorReport
 * answers a sponsor's owner for that sponsor's placements only.
 */
class SponsorProjections extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table sponsor_owner (
      sponsor_id uuid primary key,
      owner_id uuid not null,
      recorded_at timestamptz not null default now()
    )`);
    this.addSql(`create table placement_sponsor (
      placement_id uuid primary key,
      sponsor_id uuid not null,
      event_id uuid not null,
      surface text not null,
      recorded_at timestamptz not null default now()
    )`);
    this.addSql(`create index placement_sponsor_sponsor on placement_sponsor (sponsor_id)`);
  }
}

/** One partial per (event, minute) of the raw rows stored before partials existed. */
export const BACKFILL_QOS_PARTIALS = `with raw as (
        select event_id, to_timestamp(floor(extract(epoch from at) / 60) * 60) as minute, kind, session_id, value from telemetry_event),
      buckets as (
        select event_id, minute, kind, floor(ln(greatest(value, 1)) / ln(1.05))::int::text as b, count(*) as n
        from raw where kind in ('STARTUP_TIME', 'BITRATE') group by 1, 2, 3, 4),
      hist as (select event_id, minute, kind, jsonb_object_agg(b, n) as h from buckets group by 1, 2, 3),
      agg as (
        select event_id, minute,
          coalesce(array_agg(distinct session_id) filter (where kind = 'HEARTBEAT'), '{}') as heartbeat_sessions,
          count(*) filter (where kind = 'STARTUP_TIME') as startup_count,
          coalesce(array_agg(value) filter (where kind = 'STARTUP_TIME'), '{}') as startup_values,
          count(*) filter (where kind = 'REBUFFER') as rebuffer_count,
          coalesce(sum(value) filter (where kind = 'REBUFFER'), 0) as rebuffer_ms,
          count(*) filter (where kind = 'BITRATE') as bitrate_count,
          coalesce(array_agg(value) filter (where kind = 'BITRATE'), '{}') as bitrate_values,
          count(*) filter (where kind = 'ERROR') as errors
        from raw group by 1, 2)
      insert into qos_partial (event_id, minute, heartbeat_sessions, startup_count, startup_values, startup_hist,
        rebuffer_count, rebuffer_ms, bitrate_count, bitrate_values, bitrate_hist, errors)
      select a.event_id, a.minute, a.heartbeat_sessions, a.startup_count, a.startup_values, coalesce(sh.h, '{}'::jsonb),
        a.rebuffer_count, a.rebuffer_ms, a.bitrate_count, a.bitrate_values, coalesce(bh.h, '{}'::jsonb), a.errors
      from agg a
        left join hist sh on sh.event_id = a.event_id and sh.minute = a.minute and sh.kind = 'STARTUP_TIME'
        left join hist bh on bh.event_id = a.event_id and bh.minute = a.minute and bh.kind = 'BITRATE'`;

/** One partial per (placement, hour) of the impressions stored before partials existed. */
export const BACKFILL_IMPRESSION_PARTIALS = `insert into impression_partial (placement_id, hour, impressions, users)
      select placement_id, to_timestamp(floor(extract(epoch from at) / 3600) * 3600), count(*), array_agg(distinct user_id)
      from telemetry_event where kind = 'IMPRESSION' and placement_id is not null group by 1, 2`;

/**
 * What each ingest batch adds to a minute's or an hour's rollup (partials.ts): the
 * rollup worker merges these instead of reading every raw row of the minute again.
 * Rows already stored get one partial per minute and hour, computed here from them.
 */
class RollupPartials extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table qos_partial (
      id bigint generated always as identity primary key,
      event_id uuid not null,
      minute timestamptz not null,
      heartbeat_sessions text[] not null,
      startup_count int not null,
      startup_values double precision[] not null,
      startup_hist jsonb not null,
      rebuffer_count int not null,
      rebuffer_ms double precision not null,
      bitrate_count int not null,
      bitrate_values double precision[] not null,
      bitrate_hist jsonb not null,
      errors int not null,
      written_at timestamptz not null default now()
    )`);
    this.addSql(`create index qos_partial_event_minute on qos_partial (event_id, minute)`);
    this.addSql(`create index qos_partial_minute on qos_partial (minute)`);
    this.addSql(`create table impression_partial (
      id bigint generated always as identity primary key,
      placement_id uuid not null,
      hour timestamptz not null,
      impressions int not null,
      users uuid[] not null,
      written_at timestamptz not null default now()
    )`);
    this.addSql(`create index impression_partial_placement_hour on impression_partial (placement_id, hour)`);
    this.addSql(`create index impression_partial_hour on impression_partial (hour)`);
    this.addSql(BACKFILL_QOS_PARTIALS);
    this.addSql(BACKFILL_IMPRESSION_PARTIALS);
  }
}

export const migrations = [
  ...KIT_MIGRATIONS,
  { name: '0001_telemetry_initial', class: InitialTelemetry },
  { name: '0002_telemetry_sponsors', class: SponsorProjections },
  { name: '0003_telemetry_rollup_partials', class: RollupPartials },
];
