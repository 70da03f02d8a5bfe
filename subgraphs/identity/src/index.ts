import 'reflect-metadata';
import { runService } from '@frontrow/kit';
import { readIdentityConfig } from './config';
import { start } from './server';

runService('identity', (logger) => start({ ...readIdentityConfig(), logger }));
