// Names people read for the codes of the SNMS API (snms-v5-api.md §6.1, §6.2).

export const PREFIX_STATES: Readonly<Record<number, string>> = { 0: '停用', 1: '启用', 2: '待删除', 3: '被驳回', 4: '待审核', 5: '审核中' };
export const PROXY_STATES: Readonly<Record<number, string>> = { 1: '未托管', 2: '托管申请中', 3: '托管被驳回', 4: '已托管' };

export function prefixState(state: unknown): string {
  return PREFIX_STATES[Number(state)] ?? String(state);
}

export function proxyState(state: unknown): string {
  return PROXY_STATES[Number(state)] ?? String(state);
}
