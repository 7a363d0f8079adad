// The frame of every console page: head with the stylesheet and script (served from the node), navigation, notices.

import { html, type Html } from './html.js';

export interface Viewer {
  readonly username: string;
  readonly role: 'admin' | 'reviewer' | 'enterprise';
  /** The form token every POST of the page carries (see console-routes.ts). */
  readonly csrf: string;
}

export type Section = 'enterprises' | 'prefixes' | 'templates' | 'identifiers' | 'audit';

const SECTIONS: readonly { readonly id: Section; readonly label: string; readonly roles: readonly Viewer['role'][] }[] = [
  { id: 'enterprises', label: '企业审核', roles: ['admin', 'reviewer'] },
  { id: 'prefixes', label: '前缀', roles: ['admin', 'reviewer', 'enterprise'] },
  { id: 'templates', label: '元数据模板', roles: ['admin', 'reviewer', 'enterprise'] },
  { id: 'identifiers', label: '标识查询', roles: ['admin', 'reviewer', 'enterprise'] },
  { id: 'audit', label: '审计日志', roles: ['admin'] },
];

const ROLE_LABELS: Readonly<Record<Viewer['role'], string>> = { admin: '管理员', reviewer: '审核员', enterprise: '企业用户' };

/** The sections a role may open, in menu order. */
export function sectionsOf(role: Viewer['role']): Section[] {
  return SECTIONS.filter((section) => section.roles.includes(role)).map((section) => section.id);
}

/** Fixed notices shown after an action (the query names one; no text from the request is ever echoed). */
export const NOTICES: Readonly<Record<string, string>> = {
  approved: '已批准，前缀已分配。',
  rejected: '已驳回。',
  reviewing: '已开始审核。',
  disabled: '前缀已停用。',
  enabled: '前缀已启用。',
  'pending-deletion': '前缀已标记为待删除。',
  saved: '模板已保存。',
};

function head(title: string): Html {
  return html`<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} — idnode</title><link rel="stylesheet" href="/snms/ui/assets/console.css"><script src="/snms/ui/assets/console.js" defer></script></head>`;
}

/** A page of the signed-in console. */
export function page(title: string, viewer: Viewer, active: Section, body: Html, notice: string | null): string {
  const nav = SECTIONS.filter((section) => section.roles.includes(viewer.role)).map(
    (section) => html`<a href="/snms/ui/${section.id}"${section.id === active ? html` class="active" aria-current="page"` : ''}>${section.label}</a>`,
  );
  const message = notice === null ? null : NOTICES[notice];
  return html`${head(title)}
<body><header><span class="brand">idnode 二级节点</span><nav>${nav}</nav>
<form method="post" action="/snms/ui/logout" class="logout"><input type="hidden" name="csrf" value="${viewer.csrf}">
<span class="who">${viewer.username}（${ROLE_LABELS[viewer.role]}）</span><button type="submit">退出</button></form></header>
<main><h1>${title}</h1>${message === undefined || message === null ? '' : html`<p class="notice" role="status">${message}</p>`}${body}</main></body></html>
`.text;
}

/** The sign-in page (before a session exists). */
export function loginPage(error: string | null): string {
  return html`${head('登录')}
<body class="login"><main><h1>idnode 二级节点控制台</h1>
<form method="post" action="/snms/ui/login" class="card">
${error === null ? '' : html`<p class="error" role="alert">${error}</p>`}
<label>用户名 <input name="username" autocomplete="username" required maxlength="50" autofocus></label>
<label>密码 <input name="password" type="password" autocomplete="current-password" required maxlength="64"></label>
<button type="submit">登录</button></form></main></body></html>
`.text;
}

/** Previous/next links of a Spring-style page (numbers from 1), keeping the other query parameters. */
export function pager(base: string, query: URLSearchParams, number: number, totalPages: number): Html {
  const link = (n: number, label: string): Html => {
    const next = new URLSearchParams(query);
    next.set('currentPage', String(n));
    return html`<a href="${base}?${next.toString()}">${label}</a>`;
  };
  return html`<p class="pager">${number > 1 ? link(number - 1, '上一页') : ''} 第 ${number} / ${Math.max(totalPages, 1)} 页 ${number < totalPages ? link(number + 1, '下一页') : ''}</p>`;
}
