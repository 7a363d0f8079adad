// The one error catalog: every error idnode can answer with, its HTTP status, Handle responseCode and SNMS status.

export interface CatalogEntry {
  /** HTTP status on the Handle-compatible REST surface. */
  readonly httpStatus: number;
  /** Handle.net `responseCode` (reference §4). */
  readonly responseCode: number;
  /** SNMS envelope `status` (snms-v5-api.md §2): -1 auth, -2 business, -3 permission, -4 internal. */
  readonly snmsStatus: number;
  /** Default message when the thrower gives none. */
  readonly message: string;
  /**
   * The message an SNMS envelope carries whatever the thrower said, where snms-v5-api.md §2 gives one: clients match
   * on these byte for byte.
   */
  readonly snmsMessage?: string;
}

function entry(httpStatus: number, responseCode: number, snmsStatus: number, message: string, snmsMessage?: string): CatalogEntry {
  return Object.freeze(snmsMessage === undefined ? { httpStatus, responseCode, snmsStatus, message } : { httpStatus, responseCode, snmsStatus, message, snmsMessage });
}

/** Stable codes. A code is never reused for another meaning; README's error table mirrors this object. */
export const ERROR_CATALOG = Object.freeze({
  BAD_REQUEST: entry(400, 4, -2, 'bad request'),
  INVALID_JSON: entry(400, 4, -2, 'request body is not valid JSON'),
  INVALID_BODY: entry(400, 4, -2, 'request body has the wrong shape'),
  UNSUPPORTED_MEDIA_TYPE: entry(415, 4, -2, 'request body must be application/json'),
  BODY_TOO_LARGE: entry(413, 4, -2, 'request body is larger than the configured limit'),
  HEADERS_TOO_LARGE: entry(431, 4, -2, 'request headers are larger than the limit'),
  REQUEST_TIMEOUT: entry(408, 4, -2, 'the request was not received in time'),
  MALFORMED_REQUEST: entry(400, 4, -2, 'malformed HTTP request'),
  MALFORMED_MESSAGE: entry(400, 4, -2, 'malformed Handle protocol message'),
  ROUTE_NOT_FOUND: entry(404, 4, -2, 'no such resource'),
  METHOD_NOT_ALLOWED: entry(405, 4, -2, 'method not allowed on this resource'),
  OPERATION_NOT_SUPPORTED: entry(501, 5, -2, 'operation not supported'),
  // Handle.net answers a verb it does not implement with 501 and responseCode 4 (BaseHandleRequestProcessingServlet.service).
  UNKNOWN_METHOD: entry(501, 4, -2, 'unknown method'),
  INVALID_HANDLE: entry(400, 102, -2, 'invalid handle'),
  MISMATCHED_HANDLE: entry(400, 4, -2, 'mismatched handle'),
  MISMATCHED_INDEXES: entry(400, 4, -2, 'mismatched indexes'),
  HANDLE_NOT_FOUND: entry(404, 100, -2, 'handle not found', '没有找到标识'),
  HANDLE_ALREADY_EXISTS: entry(409, 101, -2, 'handle already exists', '标识已存在'),
  VALUES_NOT_FOUND: entry(400, 200, -2, 'values not found'),
  VALUE_ALREADY_EXISTS: entry(409, 201, -2, 'value already exists'),
  INVALID_VALUE: entry(400, 202, -2, 'invalid value'),
  TOO_MANY_VALUES: entry(400, 202, -2, 'too many values in one record'),
  PREFIX_NOT_HOMED: entry(400, 301, -2, "That prefix doesn't live here"),
  // The resolver proxy follows HS_ALIAS values at most 20 deep (HDLProxy.MAX_ALIASES) and answers a 404 page beyond.
  ALIAS_CHAIN_TOO_LONG: entry(404, 100, -2, 'alias chain too long'),
  PREFIX_DISABLED: entry(400, 301, -2, 'prefix is disabled on this node', '前缀已停用'),
  ANSWER_TOO_LARGE: entry(413, 2, -2, 'the answer is larger than a Handle protocol message may be (262,144 bytes)'),
  AUTHENTICATION_NEEDED: entry(401, 402, -1, 'authentication needed'),
  AUTHENTICATION_FAILED: entry(401, 403, -1, 'authentication failed'),
  SESSION_EXPIRED: entry(401, 500, -1, 'the Handle protocol session is unknown or expired; set up a new one'),
  SESSION_FAILED: entry(400, 501, -2, 'the Handle protocol session could not be set up or used'),
  INSUFFICIENT_PERMISSIONS: entry(403, 401, -3, 'insufficient permissions'),
  RATE_LIMITED: entry(429, 3, -2, 'too many requests, retry later'),
  // SNMS-compatible API (snms-v5-api.md): messages given by the reference are reproduced byte for byte.
  LOGIN_FAILED: entry(401, 403, -2, '用户名/密码错误！'),
  MISSING_PARAMETER: entry(400, 4, -2, '缺少必要的请求参数'),
  BATCH_TOO_LARGE: entry(400, 4, -2, '批量操作数量不能超过2000'),
  TEMPLATE_NOT_FOUND: entry(404, 100, -2, '模板不存在'),
  TEMPLATE_ALREADY_EXISTS: entry(409, 101, -2, '模板已存在'),
  TEMPLATE_IN_USE: entry(409, 4, -2, '模板已被标识使用'),
  TEMPLATE_INDEX_UNKNOWN: entry(400, 202, -2, '非法操作，索引在模板中不存在'),
  TEMPLATE_MISMATCH: entry(400, 202, -2, '标识不符合模板'),
  ACCOUNT_ALREADY_EXISTS: entry(409, 101, -2, '用户已存在'),
  ACCOUNT_NOT_FOUND: entry(404, 100, -2, '用户不存在'),
  ENTERPRISE_NOT_FOUND: entry(404, 100, -2, '企业不存在'),
  ENTERPRISE_ALREADY_EXISTS: entry(409, 101, -2, '企业已存在'),
  PREFIX_NOT_FOUND: entry(404, 100, -2, '前缀不存在'),
  PREFIX_ALREADY_EXISTS: entry(409, 101, -2, '前缀已存在'),
  INVALID_STATE: entry(409, 4, -2, '当前状态不允许此操作'),
  // IDIS quota codes (snms-v5-api.md §9): the Handle responseCode is the IDIS code itself.
  REQUEST_LIMIT_DAILY: entry(429, 603, -2, 'daily request quota exceeded', '超过每日请求数量限额'),
  REGISTER_COUNT_LIMIT: entry(403, 604, -2, 'registration quota of the prefix exceeded', '超过前缀标识注册数量限额'),
  PREFIX_LIMIT: entry(403, 605, -2, 'prefix quota of the enterprise exceeded', '超过企业前缀数量限额'),
  STORE_BUSY: entry(503, 3, -4, 'store is busy, retry later', '系统繁忙'),
  STORE_FULL: entry(503, 3, -4, 'store is full, retry later', '系统繁忙'),
  STORE_UNAVAILABLE: entry(503, 3, -4, 'store is unavailable, retry later', '系统繁忙'),
  // The hierarchy (docs/hierarchy.md). Handle.net answers RECURSION_COUNT_TOO_HIGH (6) with HTTP 500; 508 says what it is.
  RECURSION_LIMIT: entry(508, 6, -4, 'too many referrals: the recursion limit was reached'),
  UPSTREAM_UNAVAILABLE: entry(502, 2, -4, 'the node that serves this prefix could not be reached'),
  UPSTREAM_TIMEOUT: entry(504, 2, -4, 'the node that serves this prefix did not answer in time'),
  CHECKSUM_MISMATCH: entry(400, 4, -2, 'the checksum of the reports does not match their content'),
  NOT_TOP_LEVEL: entry(501, 5, -2, 'only a top-level node (IDNODE_ROLE=top-level) offers this'),
  INTERNAL: entry(500, 2, -4, 'Internal Server Error', '系统繁忙'),
});

export type ErrorCode = keyof typeof ERROR_CATALOG;

/** The one error class services throw; only the HTTP layer renders it. */
export class IdnodeError extends Error {
  readonly code: ErrorCode;
  declare readonly entry: CatalogEntry;
  /** For 429 and 503: seconds the caller should wait (sent as Retry-After). */
  readonly retryAfterSeconds: number | undefined;

  constructor(code: ErrorCode, message?: string, options?: { cause?: unknown; retryAfterSeconds?: number }) {
    const found = ERROR_CATALOG[code];
    super(message ?? found.message, options);
    this.name = 'IdnodeError';
    this.code = code;
    // Not enumerable: loggers walk an error's enumerable fields, and a frozen catalog entry must not be among them.
    Object.defineProperty(this, 'entry', { value: found, enumerable: false });
    this.retryAfterSeconds = options?.retryAfterSeconds;
  }

  /** True for 5xx: the body then carries only the generic status text. */
  get isServerError(): boolean {
    return this.entry.httpStatus >= 500;
  }

  /**
   * The message an answer carries: the thrower's, but for a 5xx only the catalog text — except UNKNOWN_METHOD, which
   * names nothing but the client's own verb, as Handle.net's `Unknown method PATCH` does.
   */
  get answerMessage(): string {
    return this.isServerError && this.code !== 'UNKNOWN_METHOD' ? this.entry.message : this.message;
  }
}

/** Wraps anything thrown into an IdnodeError; unknown errors become INTERNAL with the original as cause. */
export function toIdnodeError(error: unknown): IdnodeError {
  if (error instanceof IdnodeError) return error;
  return new IdnodeError('INTERNAL', undefined, { cause: error });
}
