import { WeirError } from './errors';

/** Sends a JSON request to the broker; a non-2xx answer becomes a `WeirError` with its code. */
export async function requestJson<T>(
  baseUrl: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<T> {
  let response: Response;
  try {
    response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? null : JSON.stringify(body),
    });
  } catch (error) {
    throw new WeirError('NETWORK_ERROR', error instanceof Error ? error.message : String(error));
  }
  const text = await response.text();
  const parsed: unknown = text.length > 0 ? JSON.parse(text) : undefined;
  if (!response.ok) {
    const e = (
      parsed as { error?: { code?: string; message?: string; details?: unknown } } | undefined
    )?.error;
    throw new WeirError(
      e?.code ?? 'HTTP_ERROR',
      e?.message ?? `HTTP ${response.status}`,
      response.status,
      e?.details,
    );
  }
  return parsed as T;
}
