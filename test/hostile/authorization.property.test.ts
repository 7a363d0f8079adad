// Authorization properties through the real app (issue 3 "Hostile input"): 10,000 generated (identity, operation,
// handle) triples against prefixes 88.118.8, 88.118.80, 88.118.8.1 and 88.118.9.

import test from 'ava';
import { authorizationProperty } from './properties/authorization.js';
import { TEST_RUNS } from './properties/runs.js';

test('authorization: no write outside the identity’s own prefix succeeds, and a refused write changes neither store nor cache', authorizationProperty(TEST_RUNS));
