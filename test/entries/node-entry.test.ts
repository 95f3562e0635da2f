import { afterAll, beforeAll, describe } from 'vitest';
import { entrySmokeTest } from './entry-smoke.case';
import { startEntry, type RunningEntry } from './serve-entry';
import { unreadBodyTest } from './unread-body.case';
import { abandonedTurnTest } from './abandoned-turn.case';

describe('Node entry (npm run start:node)', () => entrySmokeTest('start:node'));

describe('Node entry: connections', () => {
  let entry: RunningEntry;
  beforeAll(async () => {
    entry = await startEntry('start:node');
  });
  afterAll(async () => entry?.stop());
  unreadBodyTest(() => entry.url);
  abandonedTurnTest(() => entry.url);
});
