// The audit log for administrators: filters by prefix, actor and time, a page of entries, and the export link.

import { html } from '../html.js';
import { shanghaiTime } from '../../snms/time.js';
import { page, pager, type Viewer } from '../layout.js';

export interface AuditView {
  readonly id: number;
  readonly at: string;
  readonly actor: string;
  readonly client: string;
  readonly action: string;
  readonly target: string;
  readonly before: unknown;
  readonly after: unknown;
}

function brief(value: unknown): string {
  if (value === null) return '—';
  const text = JSON.stringify(value);
  return text.length > 160 ? `${text.slice(0, 157)}…` : text;
}

export function auditPage(viewer: Viewer, records: readonly AuditView[], query: URLSearchParams, number: number, totalPages: number, total: number): string {
  const input = (name: string, label: string, placeholder = ''): ReturnType<typeof html> =>
    html`<label>${label} <input name="${name}" value="${query.get(name) ?? ''}" placeholder="${placeholder}"></label>`;
  const rows = records.map(
    (r) => html`<tr><td>${r.id}</td><td class="time">${shanghaiTime(Date.parse(r.at))}</td><td><code>${r.actor}</code></td><td>${r.client}</td><td>${r.action}</td><td><code>${r.target}</code></td>
<td class="json" title="${JSON.stringify(r.before)}">${brief(r.before)}</td><td class="json" title="${JSON.stringify(r.after)}">${brief(r.after)}</td></tr>`,
  );
  const exportQuery = new URLSearchParams(query);
  exportQuery.delete('currentPage');
  const body = html`<form method="get" action="/snms/ui/audit" class="filters">${input('prefix', '前缀')}${input('actor', '操作者', 'account:admin')}${input('startDate', '起', 'yyyy-MM-dd HH:mm:ss')}${input('endDate', '止', 'yyyy-MM-dd HH:mm:ss')}<button type="submit">筛选</button></form>
<p class="count">共 ${total} 条 · <a href="/snms/ui/audit/export?${exportQuery.toString()}" download>导出 (JSON Lines)</a></p>
<table class="audit"><thead><tr><th>#</th><th>时间</th><th>操作者</th><th>来源</th><th>操作</th><th>对象</th><th>之前</th><th>之后</th></tr></thead><tbody>${rows.length === 0 ? html`<tr><td colspan="8" class="empty">没有记录</td></tr>` : rows}</tbody></table>
${pager('/snms/ui/audit', query, number, totalPages)}`;
  return page('审计日志', viewer, 'audit', body, null);
}
