import { describe } from 'vitest';
import { entrySmokeTest } from './entry-smoke.case';

// Deno from its npm package (node_modules/.bin/deno), as `npm run start:deno` runs it.
describe('Deno entry (npm run start:deno)', () => entrySmokeTest('start:deno'));
