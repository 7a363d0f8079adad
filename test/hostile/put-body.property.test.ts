// The value validators and every JSON body through the real app (issue 3 "Hostile input"): 10,000 generated bodies.

import test from 'ava';
import { putBodyProperty } from './properties/put-body.js';
import { TEST_RUNS } from './properties/runs.js';

test('put body: any JSON body is never a 5xx, and every accepted record reads back valid and unchanged in meaning', putBodyProperty(TEST_RUNS));
