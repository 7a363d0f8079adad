// The identifier search: a handle's values as the SNMS detail call reads them for the signed-in account.

import { html } from '../html.js';
import { page, type Viewer } from '../layout.js';

export interface Detail {
  readonly handle: string;
  readonly templateVersion: string;
  readonly value: readonly { readonly index: number; readonly type: string; readonly data: { readonly format: string; readonly value: unknown } }[];
}

export function identifierPage(viewer: Viewer, handle: string | null, detail: Detail | null, error: string | null): string {
  const form = html`<form method="get" action="/snms/ui/identifiers" class="filters"><label>标识 <input name="handle" value="${handle ?? ''}" required maxlength="255" class="wide" placeholder="88.118.8/VALVE-A-0001"></label><button type="submit">查询</button></form>`;
  let result = html``;
  if (error !== null) result = html`<p class="error" role="alert">${error}</p>`;
  else if (detail !== null) {
    const rows = detail.value.map(
      (v) => html`<tr><td>${v.index}</td><td><code>${v.type}</code></td><td>${typeof v.data.value === 'string' ? v.data.value : JSON.stringify(v.data.value)}</td><td>${v.data.format}</td></tr>`,
    );
    result = html`<section class="detail"><h2><code>${detail.handle}</code></h2><p>模板版本：${detail.templateVersion === '' ? '（无）' : detail.templateVersion}</p>
<table><thead><tr><th>索引</th><th>类型</th><th>值</th><th>格式</th></tr></thead><tbody>${rows}</tbody></table>
<p><a href="/api/handles/${detail.handle.split('/').map(encodeURIComponent).join('/')}">Handle API 解析结果</a></p></section>`;
  }
  return page('标识查询', viewer, 'identifiers', html`${form}${result}`, null);
}
