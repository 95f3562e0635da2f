import { env } from 'cloudflare:test';
import { describe } from 'vitest';
import { durableSessionStore } from '../../workers/cloudflare/stores';
import { workerModel } from '../../workers/cloudflare/worker-model';
import { MemorySessionStore } from '../../workers/sessions/memory-store';
import { sessionStoreContract } from './session-store.case';

describe('SessionDO (SQLite, through RPC)', () => sessionStoreContract(() => durableSessionStore(env.SESSIONS), { cancelsInBackground: true }));
describe('MemorySessionStore', () => sessionStoreContract(() => new MemorySessionStore(() => workerModel(env)), { cancelsInBackground: false }));
