import { KIT_MIGRATIONS } from '@frontrow/kit';
import { Migration } from '@mikro-orm/migrations';

class InitialPresence extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table party (
      id uuid primary key,
      event_id uuid not null,
      host_id uuid not null,
      invite_code text not null unique,
      control_mode text not null default 'HOST_ONLY',
      max_members int not null,
      feed_id uuid null,
      playing boolean not null default false,
      position_ms double precision not null default 0,
      rate double precision not null default 1,
      playback_updated_at timestamptz not null,
      version int not null default 1,
      created_at timestamptz not null,
      updated_at timestamptz not null
    )`);
    this.addSql(`create index party_event_id_index on party (event_id)`);
    this.addSql(`create table party_member (
      id uuid primary key,
      party_id uuid not null references party (id) on delete cascade,
      user_id uuid not null,
      role text not null,
      status text not null default 'ACTIVE',
      muted boolean not null default false,
      joined_at timestamptz not null,
      left_at timestamptz null,
      disconnected_at timestamptz null,
      unique (party_id, user_id)
    )`);
    this.addSql(`create index party_member_user_id_index on party_member (user_id)`);
    this.addSql(`create table presence_session (
      id uuid primary key,
      party_id uuid not null references party (id) on delete cascade,
      user_id uuid not null,
      instance_id text not null,
      opened_at timestamptz not null,
      heartbeat_at timestamptz not null
    )`);
    this.addSql(`create index presence_session_party_id_user_id_index on presence_session (party_id, user_id)`);
    this.addSql(`create index presence_session_instance_id_index on presence_session (instance_id)`);
    this.addSql(`create table chat_message (
      id uuid primary key,
      party_id uuid not null references party (id) on delete cascade,
      author_id uuid not null,
      body text not null,
      sent_at timestamptz not null,
      removed_at timestamptz null,
      removed_by_id uuid null
    )`);
    this.addSql(`create index chat_message_party_id_sent_at_index on chat_message (party_id, sent_at)`);
    this.addSql(`create table message_report (
      id uuid primary key,
      message_id uuid not null references chat_message (id) on delete cascade,
      party_id uuid not null,
      reporter_id uuid not null,
      reason text not null,
      created_at timestamptz not null,
      resolved_at timestamptz null,
      resolved_by_id uuid null,
      resolution text null,
      unique (message_id, reporter_id)
    )`);
    this.addSql(`create index message_report_open on message_report (created_at, id) where resolved_at is null`);
  }
}

/** Who made the last playback change: a stream re-opened after a restart begins with the state and its author (hub.ts). */
class PlaybackAuthor extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table party add column playback_updated_by uuid null`);
  }
}

export const migrations = [
  ...KIT_MIGRATIONS,
  { name: '0001_presence_initial', class: InitialPresence },
  { name: '0002_presence_playback_author', class: PlaybackAuthor },
];
