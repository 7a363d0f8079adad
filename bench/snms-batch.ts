// The SNMS batchCreate workload: an account, a five-item template, batches of 2,000 identifiers and the answer to them.

/** The account the bench creates with `idnode account add` before starting the node, and logs in with. */
export const BATCH_ACCOUNT = 'bench-batch';
export const BATCH_PASSWORD = 'bench-batch-password';
/** Identifiers per request (the SNMS limit) and values per identifier. */
export const BATCH_SIZE = 2000;
export const BATCH_VALUES = 5;
export const BATCH_VERSION = 'bench-1.0';
export const BATCH_ROUTE = '/identityv2/data/batchCreate';

const ITEMS = ['productName', 'batchNo', 'model', 'plant', 'productionDate'] as const;

/** The template every batch is checked against: five required items at 2000–2004. */
export function batchTemplate(prefix: string): string {
  return JSON.stringify({
    prefix,
    version: BATCH_VERSION,
    industryCategory: 'C',
    industrySpecific: '34',
    type: 1,
    description: 'bench batchCreate',
    items: ITEMS.map((idType, i) => ({ name: `字段${i}`, idType, idIndex: 2000 + i, required: true, metadata: { type: 'string', minLength: 1, maxLength: 64 } })),
  });
}

/** The handles of batch `n` of a phase: unique across runs through `tag`. */
export function batchHandles(prefix: string, tag: string, n: number): string[] {
  return Array.from({ length: BATCH_SIZE }, (_, i) => `${prefix}/BATCH-${tag}-${n}-${String(i).padStart(4, '0')}`);
}

/** The request body: a bare JSON array of records with five string values each (snms-v5-api.md §4.5). */
export function batchBody(handles: readonly string[]): string {
  return JSON.stringify(
    handles.map((handle, i) => ({
      handle,
      templateVersion: BATCH_VERSION,
      value: [
        { index: 2000, type: 'productName', data: { format: 'string', value: 'DN50 闸阀' } },
        { index: 2001, type: 'batchNo', data: { format: 'string', value: `B20260115-${i % 97}` } },
        { index: 2002, type: 'model', data: { format: 'string', value: 'Z41H-16C' } },
        { index: 2003, type: 'plant', data: { format: 'string', value: '南昌二厂' } },
        { index: 2004, type: 'productionDate', data: { format: 'string', value: '2026-01-15' } },
      ],
    })),
  );
}

/** idnode's answer when every item of a batch was created (the baseline answers the same bytes). */
export function batchCreatedBody(handles: readonly string[]): string {
  return `{"status":1,"message":"success","data":${JSON.stringify(handles.map((handle) => ({ handle, code: 1, msg: 'success' })))}}`;
}
