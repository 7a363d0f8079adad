// The SNMS dialect against generated input (issue 12): the parsers alone, and every SNMS route through the real app.

import test from 'ava';
import { TEST_RUNS } from './properties/runs.js';
import { snmsEnvelopeProperty, snmsParsersProperty } from './properties/snms-envelope.js';

test('snms parsers: any JSON is a record, template or application, or a catalog error (status -2)', snmsParsersProperty(TEST_RUNS));
// Over HTTP each run is a request (and a write, often): 2,000 here, 100,000 in the soak.
test('snms envelope: any body on the SNMS routes answers an envelope with HTTP 200, and accepted records read back', snmsEnvelopeProperty({ ...TEST_RUNS, numRuns: 2000 }));
