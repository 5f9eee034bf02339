/** An RFC 9457 problem the server answered with, thrown by every API call that did not succeed. */
export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  requestId?: string;
  errors?: { in: string; field: string; detail: string }[];
}

export class Problem extends Error {
  constructor(readonly body: ProblemBody) {
    super(body.detail);
  }
  get status() {
    return this.body.status;
  }
  /** The last segment of the problem's type URI, e.g. `invalid-transition`. */
  get code() {
    return this.body.type.split('/').pop() ?? '';
  }
}

/** Whatever failed (a problem, a dropped connection, a non-problem answer), as a problem to show. */
export async function problemOf(response: Response | undefined, body: unknown): Promise<Problem> {
  if (body && typeof body === 'object' && 'detail' in body && 'status' in body) {
    return new Problem(body as ProblemBody);
  }
  const status = response?.status ?? 0;
  return new Problem({
    type: status ? 'about:blank' : 'network',
    title: response?.statusText ?? 'Network error',
    status,
    detail: status
      ? `the server answered ${status} ${response?.statusText ?? ''}`.trim()
      : 'the server cannot be reached',
  });
}
