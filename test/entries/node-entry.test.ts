import { describe } from 'vitest';
import { entrySmokeTest } from './entry-smoke.case';

describe('Node entry (npm run start:node)', () => entrySmokeTest('start:node'));
