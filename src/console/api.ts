/** The broker's error body, as every failed API call answers it. */
export interface ApiErrorBody {
  code: string;
  message: string;
  details?: unknown;
}

/** A failed API call: the broker's code and message, or a network failure in words. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }

  /** "CODE: message", as the console shows it. */
  describe(): string {
    return `${this.code}: ${this.message}`;
  }
}

const TOKEN_KEY = 'weir.console.token';

/** The bearer token of this tab (sessionStorage: gone when the tab closes). */
export const tokenStore = {
  get(): string | null {
    return sessionStorage.getItem(TOKEN_KEY);
  },
  set(token: string): void {
    sessionStorage.setItem(TOKEN_KEY, token);
  },
  clear(): void {
    sessionStorage.removeItem(TOKEN_KEY);
  },
};

type Listener = () => void;
const unauthenticatedListeners = new Set<Listener>();

/** Called whenever the broker answers 401: the console then asks for a token. */
export function onUnauthenticated(listener: Listener): () => void {
  unauthenticatedListeners.add(listener);
  return () => unauthenticatedListeners.delete(listener);
}

/**
 * Calls the broker's public HTTP API on this origin, with the tab's token when there is one.
 * Answers the parsed JSON (undefined for 204); throws `ApiError` for any failure.
 */
export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const text = await send(method, path, body);
  return (text.length > 0 ? JSON.parse(text) : undefined) as T;
}

/** `GET path` answered as text (the Prometheus exposition of `/metrics`). */
export function apiText(path: string): Promise<string> {
  return send('GET', path, undefined);
}

async function send(method: string, path: string, body: unknown): Promise<string> {
  const headers: Record<string, string> = {};
  const token = tokenStore.get();
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: 'no-store',
    });
  } catch (error) {
    throw new ApiError(0, 'NETWORK_ERROR', `The broker did not answer (${String(error)})`);
  }
  const text = response.status === 204 ? '' : await response.text();
  if (response.ok) return text;
  let error: ApiErrorBody | undefined;
  try {
    error = (JSON.parse(text) as { error?: ApiErrorBody }).error;
  } catch {
    error = undefined;
  }
  if (response.status === 401) unauthenticatedListeners.forEach((listener) => listener());
  throw new ApiError(
    response.status,
    error?.code ?? `HTTP_${response.status}`,
    error?.message ?? (text.slice(0, 200) || response.statusText),
  );
}

/** `/a/b` with each segment percent-encoded. */
export function path(...segments: Array<string | number>): string {
  return '/' + segments.map((s) => encodeURIComponent(String(s))).join('/');
}

/** Any failure as an `ApiError`, so that the console shows every error the same way. */
export function asApiError(error: unknown): ApiError {
  return error instanceof ApiError ? error : new ApiError(0, 'CONSOLE_ERROR', String(error));
}
