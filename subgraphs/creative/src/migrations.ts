import { KIT_MIGRATIONS } from '@frontrow/kit';
import { Migration } from '@mikro-orm/migrations';

/** Ids refer across tables without ORM relations; the keys are checked at commit (deferred). */
class InitialCreative extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table sponsor (
      id uuid primary key,
      name text not null,
      owner_id uuid not null,
      created_at timestamptz not null,
      updated_at timestamptz not null
    )`);
    this.addSql(`create index sponsor_owner on sponsor (owner_id)`);
    this.addSql(`create table creative_asset (
      id uuid primary key,
      sponsor_id uuid not null references sponsor (id) deferrable initially deferred,
      name text not null,
      kind text not null check (kind in ('IMAGE', 'VIDEO')),
      content_type text not null,
      declared_bytes int not null check (declared_bytes > 0),
      bytes int null,
      width int null,
      height int null,
      status text not null default 'AWAITING_UPLOAD' check (status in ('AWAITING_UPLOAD', 'IN_REVIEW', 'APPROVED', 'REJECTED')),
      rejection_reason text null,
      object_key text not null unique,
      submitted_at timestamptz null,
      reviewed_at timestamptz null,
      reviewed_by uuid null,
      created_at timestamptz not null,
      updated_at timestamptz not null
    )`);
    // A sponsor's assets, newest first; the review queue, oldest submission first.
    this.addSql(`create index creative_asset_sponsor on creative_asset (sponsor_id, created_at, id)`);
    this.addSql(`create index creative_asset_review on creative_asset (status, submitted_at, id)`);
    this.addSql(`create table placement (
      id uuid primary key,
      event_id uuid not null,
      asset_id uuid not null references creative_asset (id) deferrable initially deferred,
      surface text not null check (surface in ('JUMBOTRON', 'BOARD_NORTH', 'BOARD_SOUTH', 'BOARD_EAST', 'BOARD_WEST', 'HUD')),
      starts_at timestamptz not null,
      ends_at timestamptz not null,
      weight int not null default 1 check (weight between 1 and 1000),
      frequency_cap_per_hour int null check (frequency_cap_per_hour between 1 and 1000),
      created_at timestamptz not null,
      updated_at timestamptz not null,
      constraint placement_ends_after_start check (ends_at > starts_at)
    )`);
    this.addSql(`create index placement_live on placement (event_id, surface, ends_at)`);
    this.addSql(`create index placement_asset on placement (asset_id)`);
    this.addSql(`create table ad_manifest (
      event_id uuid primary key,
      version int not null default 1,
      written_version int not null default 0,
      updated_at timestamptz not null
    )`);
  }
}

export const migrations = [...KIT_MIGRATIONS, { name: '0001_creative_initial', class: InitialCreative }];
