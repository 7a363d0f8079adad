// The pages' words in Chinese and English, and the language a request's Accept-Language picks.

export type Language = 'zh' | 'en';

export interface Messages {
  readonly htmlLang: string;
  readonly identifier: string;
  readonly enterprise: string;
  readonly enterprisePrefix: string;
  readonly values: string;
  readonly noValues: string;
  readonly technical: string;
  readonly updated: string;
  readonly scan: string;
  readonly json: string;
  readonly binary: (bytes: number) => string;
  readonly index: string;
  readonly redirecting: string;
  readonly resolvedBy: string;
  /** Titles of the error pages by catalog code, and the one for any other error. */
  readonly errorTitles: Readonly<Record<string, string>>;
  readonly errorTitle: string;
  readonly handleNotFound: (handle: string) => string;
  readonly prefixNotFound: (prefix: string) => string;
  readonly aliasTooLong: (handle: string, limit: number) => string;
  readonly invalidHandle: string;
}

const ZH: Messages = {
  htmlLang: 'zh-CN',
  identifier: '标识',
  enterprise: '企业',
  enterprisePrefix: '企业前缀',
  values: '标识数据',
  noValues: '该标识没有公开的数据。',
  technical: '技术信息',
  updated: '更新于',
  scan: '扫描二维码打开本页',
  json: '机读格式（JSON）',
  binary: (bytes) => `二进制数据，${bytes} 字节`,
  index: '索引',
  redirecting: '正在跳转到',
  resolvedBy: '标识解析',
  errorTitles: {
    HANDLE_NOT_FOUND: '未找到该标识',
    PREFIX_NOT_HOMED: '未找到该前缀',
    ALIAS_CHAIN_TOO_LONG: '别名链过长',
    INVALID_HANDLE: '标识格式错误',
    RATE_LIMITED: '请求过于频繁',
  },
  errorTitle: '出错了',
  handleNotFound: (handle) => `本节点没有登记标识 ${handle}。请核对二维码或链接。`,
  prefixNotFound: (prefix) => `前缀 ${prefix} 不在本节点解析，本节点不知道该前缀下的标识。`,
  aliasTooLong: (handle, limit) => `标识 ${handle} 的别名（HS_ALIAS）循环或超过 ${limit} 层。`,
  invalidHandle: '请求的标识格式不正确。',
};

const EN: Messages = {
  htmlLang: 'en',
  identifier: 'Identifier',
  enterprise: 'Enterprise',
  enterprisePrefix: 'Enterprise prefix',
  values: 'Data',
  noValues: 'This identifier has no public data.',
  technical: 'Technical details',
  updated: 'Updated',
  scan: 'Scan to open this page',
  json: 'Machine-readable (JSON)',
  binary: (bytes) => `binary data, ${bytes} bytes`,
  index: 'index',
  redirecting: 'Redirecting to',
  resolvedBy: 'Identifier resolution',
  errorTitles: {
    HANDLE_NOT_FOUND: 'Identifier not found',
    PREFIX_NOT_HOMED: 'Prefix not found',
    ALIAS_CHAIN_TOO_LONG: 'Alias chain too long',
    INVALID_HANDLE: 'Invalid identifier',
    RATE_LIMITED: 'Too many requests',
  },
  errorTitle: 'Error',
  handleNotFound: (handle) => `No identifier ${handle} is registered here. Check the QR code or link.`,
  prefixNotFound: (prefix) => `The prefix ${prefix} is not served by this node, so it knows no identifier under it.`,
  aliasTooLong: (handle, limit) => `The aliases (HS_ALIAS) of ${handle} loop or go deeper than ${limit}.`,
  invalidHandle: 'The identifier asked for is not well formed.',
};

export function messagesOf(language: Language): Messages {
  return language === 'zh' ? ZH : EN;
}

/**
 * The language of a page: the first of Chinese or English by the q-values of `Accept-Language` (an entry `zh`,
 * `zh-CN`, `zh-Hant`… is Chinese; `en…` English), Chinese when the header names neither — the node serves China's
 * identifier system.
 */
export function pickLanguage(acceptLanguage: string | undefined): Language {
  if (acceptLanguage === undefined || acceptLanguage.length === 0) return 'zh';
  let best: Language = 'zh';
  let bestQ = 0;
  // At most 32 entries are looked at: the header is the client's, the work must stay bounded.
  const entries = acceptLanguage.split(',', 32);
  for (const entry of entries) {
    const [tag = '', ...params] = entry.split(';');
    const name = tag.trim().toLowerCase();
    const language: Language | null = name === 'zh' || name.startsWith('zh-') ? 'zh' : name === 'en' || name.startsWith('en-') ? 'en' : null;
    if (language === null) continue;
    let q = 1;
    for (const param of params) {
      const [key, value] = param.split('=');
      if (key?.trim() === 'q') q = Number(value);
    }
    if (Number.isFinite(q) && q > bestQ) {
      best = language;
      bestQ = q;
    }
  }
  return best;
}
