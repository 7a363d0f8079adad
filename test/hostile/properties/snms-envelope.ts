// Properties of the SNMS dialect: any body on any SNMS route answers an envelope (never a 5xx, never status -4), the
// parsers throw only catalog errors, and a record the node accepts reads back as sent (issue 12).

import type { ExecutionContext } from 'ava';
import fc from 'fast-check';
import { parseApplication } from '../../../src/enterprises/enterprise-model.js';
import { IdnodeError } from '../../../src/errors.js';
import { parseRecord } from '../../../src/snms/record.js';
import { compileTemplate } from '../../../src/templates/template-schema.js';
import { createBody, normalizeTemplateInput } from '../../../src/templates/template.js';
import { compileSchemaFile, requireValid } from '../../../src/validation/json-schema.js';
import { Agent } from 'node:http';
import { httpCall } from '../../support/http-client.js';
import { adminToken, snms, valveTemplate } from '../../support/snms-client.js';
import { assertNodeSurvived, assertProperty, startPropertyNode, type PropertyRuns } from './runs.js';
import { applicationBody, loginBody, record, templateBody, wrongType } from './snms-arbitraries.js';

const SCHEMA_CODES = new Set(['MISSING_PARAMETER', 'INVALID_BODY', 'INVALID_HANDLE']);
const templateSchema = compileSchemaFile('snms-template');
const valve = createBody(normalizeTemplateInput(valveTemplate('88.118')));
const valveCheck = compileTemplate(1, 1, valve);

function expectCatalog(error: unknown, codes: ReadonlySet<string>, what: string): void {
  if (!(error instanceof IdnodeError) || !codes.has(error.code)) throw new Error(`${what} threw ${error instanceof IdnodeError ? error.code : String(error)}`);
}

/** The parsers alone, no HTTP: they accept a body or throw a catalog code that renders as status -2. */
export function snmsParsersProperty(runs: PropertyRuns) {
  return async (t: ExecutionContext): Promise<void> => {
    let executed = 0;
    await assertProperty(
      fc.asyncProperty(fc.oneof(record, templateBody, applicationBody, wrongType), async (body) => {
        executed += 1;
        try {
          const parsed = parseRecord(body);
          if (typeof parsed.handle !== 'string' || !Array.isArray(parsed.value) || !parsed.value.every((v) => Number.isInteger(v.index) && v.data.format === 'string')) throw new Error('parseRecord let a bad record through');
          try {
            valveCheck.check(parsed);
          } catch (error) {
            expectCatalog(error, new Set(['TEMPLATE_INDEX_UNKNOWN', 'TEMPLATE_MISMATCH']), 'template check');
          }
        } catch (error) {
          if (!(error instanceof Error) || !error.message.startsWith('parseRecord')) expectCatalog(error, SCHEMA_CODES, 'parseRecord');
          else throw error;
        }
        try {
          requireValid(templateSchema, body);
          createBody(normalizeTemplateInput(body as Record<string, unknown>));
        } catch (error) {
          expectCatalog(error, SCHEMA_CODES, 'template');
        }
        try {
          const application = parseApplication(body, '88.118');
          if (!application.prefixKey.startsWith('88.118.')) throw new Error(`an application for ${application.prefix} passed`);
        } catch (error) {
          if (error instanceof Error && error.message.startsWith('an application')) throw error;
          expectCatalog(error, SCHEMA_CODES, 'parseApplication');
        }
      }),
      runs,
    );
    t.true(executed >= runs.numRuns);
  };
}

interface RouteCase {
  readonly method: string;
  readonly path: string;
  readonly body: unknown;
  /** Sent as is, without Content-Type: the reference's lenient clients. */
  readonly untyped: boolean;
}

const routeCases: fc.Arbitrary<RouteCase> = fc.oneof(
  record.map((body) => ({ method: 'POST', path: '/identityv2/data', body })),
  record.map((body) => ({ method: 'PUT', path: '/identityv2/data', body })),
  fc.oneof(fc.record({ handle: fc.oneof(fc.string({ maxLength: 12 }), wrongType) }), wrongType).map((body) => ({ method: 'DELETE', path: '/identityv2/data', body })),
  fc.oneof(fc.array(record, { maxLength: 4 }), wrongType).map((body) => ({ method: 'POST', path: '/identityv2/data/batchCreate', body })),
  fc.oneof(fc.array(record, { maxLength: 3 }), wrongType).map((body) => ({ method: 'PUT', path: '/identityv2/data/batchUpdate', body })),
  fc.oneof(fc.array(fc.oneof(fc.integer({ min: 0, max: 40 }).map((n) => `88.118/P-${n}`), wrongType), { maxLength: 4 }), wrongType).map((body) => ({ method: 'DELETE', path: '/identityv2/data/batchDelete', body })),
  templateBody.map((body) => ({ method: 'POST', path: '/snms/api/v5/template', body })),
  templateBody.map((body) => ({ method: 'PUT', path: '/snms/api/v5/template', body })),
  applicationBody.map((body) => ({ method: 'POST', path: '/snms/api/v3/ent/apply', body })),
  loginBody.map((body) => ({ method: 'POST', path: '/identity/token', body })),
  fc.record({ entPrefix: fc.oneof(fc.constantFrom('88.118.1', '88.118.2'), wrongType), action: fc.oneof(fc.constantFrom('review', 'approve', 'reject'), wrongType), reason: fc.oneof(fc.string(), wrongType) }, { requiredKeys: [] }).map((body) => ({ method: 'POST', path: '/snms/api/v3/ent/review', body })),
).chain((route) => fc.boolean().map((untyped) => ({ ...route, untyped: untyped && route.method === 'POST' })));

function checkEnvelope(status: number, text: string, route: RouteCase): { status: number; data: unknown } {
  if (status !== 200) throw new Error(`HTTP ${status} for ${route.method} ${route.path}: ${text}`);
  const parsed = JSON.parse(text) as Record<string, unknown>;
  const keys = Object.keys(parsed).join(',');
  if (keys !== 'status,message,data') throw new Error(`envelope keys ${keys}`);
  if (![1, -1, -2, -3].includes(parsed.status as number)) throw new Error(`status ${String(parsed.status)}: ${text}`);
  if (typeof parsed.message !== 'string' || parsed.message === '') throw new Error(`message ${String(parsed.message)}`);
  if (parsed.status !== 1 && parsed.data !== null) throw new Error(`a failure with data: ${text}`);
  if (parsed.status === 1 && parsed.message !== 'success') throw new Error(`success says ${String(parsed.message)}`);
  return { status: parsed.status as number, data: parsed.data };
}

/** Any generated body on the SNMS routes, as the administrator: an envelope with HTTP 200; accepted records read back. */
export function snmsEnvelopeProperty(runs: PropertyRuns) {
  return async (t: ExecutionContext): Promise<void> => {
    const node = await startPropertyNode(t);
    const token = await adminToken(node);
    t.is((await snms(node, 'POST', '/snms/api/v5/template', { token, body: valveTemplate('88.118') })).json.status, 1);
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    t.teardown(() => agent.destroy());
    const call = (method: string, path: string, headers: Record<string, string>, body?: string) => httpCall(node.port, method, path, { headers, body, agent, host: node.host });
    let executed = 0;
    await assertProperty(
      fc.asyncProperty(routeCases, async (route) => {
        executed += 1;
        const text = typeof route.body === 'string' && route.untyped ? route.body : (JSON.stringify(route.body) ?? 'null');
        const headers: Record<string, string> = { authorization: `Bearer ${token}` };
        if (!route.untyped) headers['content-type'] = 'application/json';
        const reply = await call(route.method, route.path, headers, text);
        const envelope = checkEnvelope(reply.status, reply.text, route);
        if (route.path.endsWith('batchCreate') || route.path.endsWith('batchUpdate') || route.path.endsWith('batchDelete')) {
          if (envelope.status === 1) {
            const items = envelope.data as { handle: unknown; code: unknown; msg: unknown }[];
            if (!Array.isArray(items) || items.length !== (route.body as unknown[]).length) throw new Error('a batch result per item');
            for (const item of items) if (typeof item.handle !== 'string' || typeof item.code !== 'number' || typeof item.msg !== 'string') throw new Error(`batch item ${JSON.stringify(item)}`);
          }
        }
        if (route.method === 'POST' && route.path === '/identityv2/data' && envelope.status === 1) {
          const sent = parseRecord(route.body);
          const detail = await call('GET', `/identityv2/data/detail?handle=${encodeURIComponent(sent.handle)}`, { authorization: `Bearer ${token}` });
          const values = (JSON.parse(detail.text) as { data: { value: { index: number; type: string; data: { value: string } }[] } }).data.value;
          for (const value of sent.value) {
            const stored = values.find((v) => v.index === value.index);
            if (stored?.type !== value.type || stored.data.value !== value.data.value) throw new Error(`${sent.handle} ${value.index} read back as ${JSON.stringify(stored)}`);
          }
        }
      }),
      runs,
    );
    await assertNodeSurvived(t, node, executed, runs);
  };
}
