// The pages' one stylesheet, sent inline and allowed by its hash, and the Content-Security-Policy that allows nothing else.

import { createHash } from 'node:crypto';

/**
 * Phone first: one column up to 42rem, large type, values stacked label over value; a wider screen only centres it.
 * System fonts, CJK ones named so Chinese text never falls back to a bitmap face.
 */
export const STYLESHEET = `
:root{color-scheme:light;--ink:#1d232b;--muted:#5b6673;--line:#dfe3e8;--accent:#0b5cad;--paper:#f4f6f8}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;background:var(--paper);color:var(--ink);font:16px/1.55 system-ui,-apple-system,"PingFang SC","Hiragino Sans GB","Microsoft YaHei","WenQuanYi Micro Hei","Noto Sans CJK SC",sans-serif}
main{max-width:42rem;margin:0 auto;padding:1rem}
header.card{border-top:4px solid var(--accent)}
.card{background:#fff;border:1px solid var(--line);border-radius:10px;padding:1rem 1.1rem;margin:0 0 1rem}
.kicker{margin:0;color:var(--muted);font-size:.85rem;letter-spacing:.02em}
h1{margin:.15rem 0 .35rem;font-size:1.35rem;line-height:1.3;overflow-wrap:anywhere}
h2{margin:0 0 .6rem;font-size:1.05rem}
p{margin:.3rem 0}
.muted{color:var(--muted);font-size:.9rem}
a{color:var(--accent);overflow-wrap:anywhere}
dl{margin:0}
.value{padding:.65rem 0;border-top:1px solid var(--line)}
.value:first-child{border-top:0;padding-top:0}
dt{font-weight:600;font-size:.95rem}
dt .type{font-weight:400;color:var(--muted);font-size:.8rem;margin-left:.4rem}
dd{margin:.15rem 0 0;overflow-wrap:anywhere;white-space:pre-wrap}
dd time,.when{display:block;color:var(--muted);font-size:.8rem;white-space:normal}
dd img{display:block;max-width:100%;height:auto;margin:.35rem 0;border-radius:6px;border:1px solid var(--line)}
code{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.85rem;overflow-wrap:anywhere}
details{margin-top:.4rem}
summary{cursor:pointer;color:var(--muted)}
.qr{display:flex;gap:1rem;align-items:center;flex-wrap:wrap}
.qr img{width:160px;height:160px;image-rendering:pixelated;border:1px solid var(--line);border-radius:6px;background:#fff}
.qr p{flex:1 1 12rem}
footer{color:var(--muted);font-size:.8rem;text-align:center;padding:.5rem 0 1.5rem}
.error h1{color:#9b1c1c}
header.card.error{border-top-color:#9b1c1c}
@media (min-width:48rem){main{padding:2rem 1rem}h1{font-size:1.6rem}}
`.trim();

const STYLE_HASH = `sha256-${createHash('sha256').update(STYLESHEET).digest('base64')}`;

/**
 * The pages' Content-Security-Policy: no script at all, the inline stylesheet above by its hash only, images over
 * HTTPS (product photos on the enterprise's site) and data: (the QR code); no forms, no base, never framed.
 */
export const PAGE_CSP = `default-src 'none'; style-src '${STYLE_HASH}'; img-src https: data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`;
