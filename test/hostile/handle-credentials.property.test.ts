// Any Authorization header on any route, the sessions API included, through the real app: 10,000 generated requests.

import test from 'ava';
import { handleCredentialsProperty } from './properties/handle-credentials.js';
import { TEST_RUNS } from './properties/runs.js';

test('handle credentials: any Authorization header on any route is never a 5xx, always a proper challenge, never a write', handleCredentialsProperty(TEST_RUNS));
