// The long hostile-input properties behind `npm run soak` (issue 3): 100,000 runs each from a fresh seed, which
// fast-check prints with any counterexample so it can be replayed and added to test/hostile/regressions.test.ts.

import test from 'ava';
import { authorizationProperty } from '../hostile/properties/authorization.js';
import { canonicalKeyProperty } from '../hostile/properties/canonical-key.js';
import { handleCredentialsProperty } from '../hostile/properties/handle-credentials.js';
import { handlePathProperty } from '../hostile/properties/handle-path.js';
import { putBodyProperty } from '../hostile/properties/put-body.js';
import { SOAK_RUNS } from '../hostile/properties/runs.js';
import { snmsEnvelopeProperty, snmsParsersProperty } from '../hostile/properties/snms-envelope.js';

test('handle path soak: 100,000 generated paths after /api/handles/', handlePathProperty(SOAK_RUNS));
test('put body soak: 100,000 generated JSON bodies', putBodyProperty(SOAK_RUNS));
test('canonical key soak: 100,000 handles registered and resolved through other spellings', canonicalKeyProperty(SOAK_RUNS));
test('authorization soak: 100,000 (identity, operation, handle) triples', authorizationProperty(SOAK_RUNS));
test('handle credentials soak: 100,000 generated Authorization headers on every route', handleCredentialsProperty(SOAK_RUNS));
test('snms parsers soak: 100,000 generated bodies', snmsParsersProperty(SOAK_RUNS));
test('snms envelope soak: 100,000 generated bodies on the SNMS routes', snmsEnvelopeProperty(SOAK_RUNS));
