// The enterprise review list (reviewers) and the prefix list (everyone, each sees their own).

import { html, type Html } from '../html.js';
import { page, pager, type Viewer } from '../layout.js';
import { prefixState, proxyState } from '../labels.js';

/** A row of /snms/api/prefix/page (§6.2). */
export interface PrefixItem {
  readonly entPrefix: string;
  readonly entName: string;
  readonly state: number;
  readonly proxyState: number;
  readonly createDate: string;
  readonly updateDate: string;
}

export interface Listing {
  readonly content: readonly PrefixItem[];
  readonly number: number;
  readonly totalPages: number;
  readonly totalElements: number;
}

function csrfField(viewer: Viewer): Html {
  return html`<input type="hidden" name="csrf" value="${viewer.csrf}">`;
}

function reviewActions(viewer: Viewer, item: PrefixItem): Html {
  if (item.state !== 4 && item.state !== 5) return html``;
  const form = (action: string, label: string, extra: Html, confirm: string | null): Html =>
    html`<form method="post" action="/snms/ui/review" class="inline"${confirm === null ? '' : html` data-confirm="${confirm}"`}>${csrfField(viewer)}
<input type="hidden" name="entPrefix" value="${item.entPrefix}"><input type="hidden" name="action" value="${action}">${extra}<button type="submit" class="${action}">${label}</button></form>`;
  return html`${item.state === 4 ? form('review', '开始审核', html``, null) : ''}${form('approve', '批准', html``, null)}${form(
    'reject',
    '驳回',
    html`<input name="reason" placeholder="驳回原因" required maxlength="1024" aria-label="驳回原因">`,
    `确认驳回 ${item.entPrefix}？`,
  )}`;
}

function stateActions(viewer: Viewer, item: PrefixItem): Html {
  if (viewer.role !== 'admin') return html``;
  const form = (state: number, label: string, confirm: string | null): Html =>
    html`<form method="post" action="/snms/ui/prefix-state" class="inline"${confirm === null ? '' : html` data-confirm="${confirm}"`}>${csrfField(viewer)}
<input type="hidden" name="entPrefix" value="${item.entPrefix}"><input type="hidden" name="state" value="${state}"><button type="submit">${label}</button></form>`;
  if (item.state === 1) return html`${form(0, '停用', `停用 ${item.entPrefix}？其标识将无法解析。`)}${form(2, '标记待删除', `将 ${item.entPrefix} 标记为待删除？`)}`;
  if (item.state === 0 || item.state === 2) return form(1, '启用', null);
  return html``;
}

function filterForm(action: string, query: URLSearchParams): Html {
  return html`<form method="get" action="${action}" class="filters">
<label>企业名称 <input name="entName" value="${query.get('entName') ?? ''}"></label>
<label>前缀 <input name="entPrefix" value="${query.get('entPrefix') ?? ''}"></label>
<button type="submit">筛选</button></form>`;
}

function table(rows: Html[], headings: readonly string[]): Html {
  return html`<table><thead><tr>${headings.map((h) => html`<th>${h}</th>`)}</tr></thead><tbody>${rows.length === 0 ? html`<tr><td colspan="${headings.length}" class="empty">没有记录</td></tr>` : rows}</tbody></table>`;
}

/** Applications awaiting a decision first (the query asks the API for every state; the page sorts them). */
export function enterprisesPage(viewer: Viewer, listing: Listing, query: URLSearchParams, notice: string | null): string {
  const rows = [...listing.content]
    .sort((a, b) => Number(b.state === 4 || b.state === 5) - Number(a.state === 4 || a.state === 5))
    .map((item) => html`<tr data-prefix="${item.entPrefix}"><td>${item.entName}</td><td><code>${item.entPrefix}</code></td><td><span class="state s${item.state}">${prefixState(item.state)}</span></td><td>${item.createDate}</td><td class="actions">${reviewActions(viewer, item)}</td></tr>`);
  const body = html`<p class="lead">企业的前缀申请。批准即分配前缀：创建 <code>0.NA/&lt;前缀&gt;</code> 记录，企业为其管理员。</p>
${filterForm('/snms/ui/enterprises', query)}${table(rows, ['企业名称', '前缀', '状态', '申请时间', '审核'])}${pager('/snms/ui/enterprises', query, listing.number, listing.totalPages)}`;
  return page('企业审核', viewer, 'enterprises', body, notice);
}

export function prefixesPage(viewer: Viewer, listing: Listing, query: URLSearchParams, notice: string | null): string {
  const rows = listing.content.map(
    (item) => html`<tr data-prefix="${item.entPrefix}"><td><code>${item.entPrefix}</code></td><td>${item.entName}</td><td><span class="state s${item.state}">${prefixState(item.state)}</span></td><td>${proxyState(item.proxyState)}</td><td>${item.updateDate}</td>
<td class="actions"><a href="/snms/ui/templates?prefix=${encodeURIComponent(item.entPrefix)}">模板</a>${stateActions(viewer, item)}</td></tr>`,
  );
  const body = html`${filterForm('/snms/ui/prefixes', query)}${table(rows, ['前缀', '企业', '状态', '托管', '更新时间', ''])}
<p class="count">共 ${listing.totalElements} 个前缀</p>${pager('/snms/ui/prefixes', query, listing.number, listing.totalPages)}`;
  return page('前缀', viewer, 'prefixes', body, notice);
}
