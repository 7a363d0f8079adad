// The handle parser through the real app (issue 3 "Hostile input"): 10,000 generated paths after /api/handles/.

import test from 'ava';
import { handlePathProperty } from './properties/handle-path.js';
import { TEST_RUNS } from './properties/runs.js';

test('handle path: any text or bytes after /api/handles/ gets JSON with a responseCode, never a 5xx, and reference §1’s verdict', handlePathProperty(TEST_RUNS));
