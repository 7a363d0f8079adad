// The page a console request that failed answers with: the status, the message and a way back.

import { html } from '../html.js';

/** A complete HTML page for an error (`message` is escaped). */
export function errorPage(status: number, message: string, code: string): string {
  return html`<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${status} — idnode</title><link rel="stylesheet" href="/snms/ui/assets/console.css"></head>
<body class="error"><main><h1>${status}</h1><p class="message" data-code="${code}">${message}</p>
<p><a href="/snms/ui">返回控制台 (back to the console)</a></p></main></body></html>
`.text;
}
