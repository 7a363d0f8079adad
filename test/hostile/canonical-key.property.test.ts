// The canonical key through the real app (issue 3 "Hostile input"): 10,000 valid handles, each registered and resolved
// through different spellings.

import test from 'ava';
import { canonicalKeyProperty } from './properties/canonical-key.js';
import { TEST_RUNS } from './properties/runs.js';

test('canonical key: any spelling of a registered handle (case, %2F or /, encoding, leading /) resolves the same record', canonicalKeyProperty(TEST_RUNS));
