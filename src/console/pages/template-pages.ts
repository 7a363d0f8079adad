// The template list of a prefix and the template editor (its items added by a little script, sent as one form).

import { html, type Html } from '../html.js';
import { page, type Viewer } from '../layout.js';

export interface TemplateView {
  readonly prefix: string;
  readonly version: string;
  readonly handle?: string;
  readonly industryCategory?: string | null;
  readonly industrySpecific?: string | null;
  readonly industryTrade?: string | null;
  readonly industrySubclass?: string | null;
  readonly type?: number;
  readonly description?: string | null;
  readonly items: readonly {
    readonly name: string;
    readonly idType: string;
    readonly idIndex: number;
    readonly required: boolean;
    readonly state: number;
    readonly metadata: { readonly minLength: number; readonly maxLength: number };
  }[];
}

export function templatesPage(viewer: Viewer, prefix: string | null, templates: readonly TemplateView[], notice: string | null): string {
  const rows = templates.map(
    (t) => html`<tr><td><code>${t.version}</code></td><td>${t.description ?? ''}</td><td>${t.items.length}</td><td>${t.handle ?? ''}</td>
<td class="actions"><a href="/snms/ui/template?prefix=${encodeURIComponent(t.prefix)}&amp;version=${encodeURIComponent(t.version)}">编辑</a></td></tr>`,
  );
  const list =
    prefix === null
      ? html`<p class="lead">输入前缀查看其模板。</p>`
      : html`<table><thead><tr><th>版本</th><th>说明</th><th>字段数</th><th>模板标识</th><th></th></tr></thead><tbody>${rows.length === 0 ? html`<tr><td colspan="5" class="empty">没有模板</td></tr>` : rows}</tbody></table>
<p><a class="button" href="/snms/ui/template?prefix=${encodeURIComponent(prefix)}">新建模板</a></p>`;
  const body = html`<form method="get" action="/snms/ui/templates" class="filters"><label>前缀 <input name="prefix" value="${prefix ?? ''}" required></label><button type="submit">查看</button></form>${list}`;
  return page('元数据模板', viewer, 'templates', body, notice);
}

type Item = TemplateView['items'][number];

function itemRow(item: Item | null): Html {
  const known = item !== null;
  const select = (name: string, value: string, options: readonly [string, string][]): Html =>
    html`<select name="${name}">${options.map(([v, label]) => html`<option value="${v}"${v === value ? html` selected` : ''}>${label}</option>`)}</select>`;
  return html`<tr class="item${known ? '' : ' new'}">
<td><input name="item.name" value="${item?.name ?? ''}" required maxlength="128" aria-label="名称"></td>
<td><input name="item.idType" value="${item?.idType ?? ''}" required maxlength="128" aria-label="英文标识"${known ? html` readonly` : ''}></td>
<td><input name="item.idIndex" value="${item?.idIndex ?? ''}" inputmode="numeric" placeholder="自动" aria-label="索引"${known ? html` readonly` : ''}></td>
<td>${select('item.required', String(item?.required ?? false), [['false', '否'], ['true', '是']])}</td>
<td>${select('item.state', String(item?.state ?? 1), [['1', '启用'], ['0', '停用']])}</td>
<td><input name="item.minLength" value="${item?.metadata.minLength ?? 0}" inputmode="numeric" size="4" aria-label="最小长度"></td>
<td><input name="item.maxLength" value="${item?.metadata.maxLength ?? 255}" inputmode="numeric" size="4" aria-label="最大长度"></td>
<td>${known ? '' : html`<button type="button" class="remove-item">移除</button>`}</td></tr>`;
}

/** The editor: a new template (`template` null) or an existing one (its items' idType and idIndex fixed). */
export function templateEditor(viewer: Viewer, prefix: string, template: TemplateView | null): string {
  const existing = template !== null;
  const field = (name: string, label: string, value: string | null | undefined, attributes: Html = html``): Html =>
    html`<label>${label} <input name="${name}" value="${value ?? ''}"${attributes}></label>`;
  const body = html`<form method="post" action="/snms/ui/template" class="editor">
<input type="hidden" name="csrf" value="${viewer.csrf}"><input type="hidden" name="mode" value="${existing ? 'update' : 'create'}">
<fieldset><legend>模板</legend>
${field('prefix', '前缀', prefix, html` required readonly`)}
${field('version', '版本', template?.version, existing ? html` required readonly` : html` required maxlength="128"`)}
${field('industryCategory', '行业门类', template?.industryCategory, html` maxlength="1" size="2" pattern="[A-Ta-t]?"`)}
${field('industrySpecific', '大类', template?.industrySpecific, html` maxlength="2" size="3" pattern="[0-9]{2}|"`)}
${field('industryTrade', '中类', template?.industryTrade, html` maxlength="3" size="4" pattern="[0-9]{3}|"`)}
${field('industrySubclass', '小类', template?.industrySubclass, html` maxlength="4" size="5" pattern="[0-9]{4}|"`)}
<label>类型 <select name="type"><option value="1"${template?.type === 1 ? html` selected` : ''}>主动标识载体</option><option value="2"${template?.type === 1 ? '' : html` selected`}>其他</option></select></label>
${field('description', '说明', template?.description, html` maxlength="1024" class="wide"`)}
</fieldset>
<table class="items"><thead><tr><th>名称</th><th>英文标识 (idType)</th><th>索引 (≥2000)</th><th>必填</th><th>状态</th><th>最小长度</th><th>最大长度</th><th></th></tr></thead>
<tbody id="items">${(template?.items ?? []).map((item) => itemRow(item))}${existing ? '' : itemRow(null)}</tbody></table>
<template id="item-row">${itemRow(null)}</template>
<p><button type="button" id="add-item">添加字段</button> <button type="submit" class="primary">保存模板</button></p>
<p class="hint">字段只能停用，不能删除；模板被标识使用后，只能修改名称、启用或停用字段，或增加非必填字段。</p></form>`;
  return page(existing ? `编辑模板 ${template.version}` : '新建模板', viewer, 'templates', body, null);
}
