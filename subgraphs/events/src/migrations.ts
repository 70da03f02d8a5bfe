import { KIT_MIGRATIONS } from '@frontrow/kit';
import { Migration } from '@mikro-orm/migrations';

/**
 * Ids refer across tables without ORM relations (resolvers batch them through
 * DataLoaders), so MikroORM does not order inserts by foreign key: the keys are
 * checked at commit instead (deferred), which lets one flush write an event with
 * its feeds and moments in any order.
 */
class InitialEvents extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table venue (
      id uuid primary key,
      name text not null,
      city text not null,
      country text not null,
      timezone text not null,
      capacity int null check (capacity >= 0),
      created_at timestamptz not null,
      updated_at timestamptz not null
    )`);
    this.addSql(`create table event (
      id uuid primary key,
      title text not null,
      sport text not null,
      home_team text not null,
      away_team text not null,
      venue_id uuid not null references venue (id) deferrable initially deferred,
      starts_at timestamptz not null,
      ends_at timestamptz not null,
      status text not null default 'SCHEDULED' check (status in ('SCHEDULED', 'LIVE', 'ENDED', 'CANCELLED')),
      created_at timestamptz not null,
      updated_at timestamptz not null,
      constraint event_ends_after_start check (ends_at > starts_at)
    )`);
    // The order of the events connection (keyset pagination), and its common filters.
    this.addSql(`create index event_order on event (starts_at, id)`);
    this.addSql(`create index event_status_order on event (status, starts_at, id)`);
    this.addSql(`create index event_venue on event (venue_id)`);
    this.addSql(`create table feed (
      id uuid primary key,
      event_id uuid not null references event (id) on delete cascade deferrable initially deferred,
      label text not null,
      projection text not null check (projection in ('EQUIRECT_MONO', 'EQUIRECT_STEREO_TB', 'FLAT')),
      is_default boolean not null default false,
      preview boolean not null default false,
      created_at timestamptz not null,
      updated_at timestamptz not null
    )`);
    // At most one default feed per event, and no two feeds of an event with the same label.
    this.addSql(`create unique index feed_one_default on feed (event_id) where is_default`);
    this.addSql(`create unique index feed_label on feed (event_id, lower(label))`);
    this.addSql(`create table moment (
      id uuid primary key,
      event_id uuid not null references event (id) on delete cascade deferrable initially deferred,
      feed_id uuid not null references feed (id) on delete cascade deferrable initially deferred,
      title text not null,
      occurred_at timestamptz not null,
      created_at timestamptz not null,
      updated_at timestamptz not null
    )`);
    this.addSql(`create index moment_event on moment (event_id, occurred_at)`);
    this.addSql(`create index moment_feed on moment (feed_id)`);
  }
}

export const migrations = [...KIT_MIGRATIONS, { name: '0001_events_initial', class: InitialEvents }];
