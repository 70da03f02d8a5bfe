import 'reflect-metadata';

export * from './errors';
export * from './config';
export * from './logger';
export * from './db';
export * from './embedded-postgres';
export * from './net';
export * from './principal';
export * from './schema';
export * from './server';
export * from './metrics';
export * from './kv';
export * from './bus';
export * from './storage';
export * from './ratelimit';
export * from './scalars';
