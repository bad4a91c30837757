import { html } from 'htm/preact';
import type { VNode } from 'preact';
import { useState } from 'preact/hooks';

/**
 * Asks for a bearer token after the broker answered 401. The token is kept in this tab's
 * sessionStorage only and sent with every API call.
 */
export function TokenForm(props: { onToken: (token: string) => void }): VNode {
  const [token, setToken] = useState('');
  const submit = (event: Event): void => {
    event.preventDefault();
    if (token.trim().length > 0) props.onToken(token.trim());
  };
  return html`<form class="token panel" onSubmit=${submit} aria-label="Sign in with a token">
    <p>This broker needs a token. It is kept for this tab only.</p>
    <label>
      Token
      <input
        type="password"
        autocomplete="off"
        value=${token}
        onInput=${(e: Event) => setToken((e.target as HTMLInputElement).value)}
      />
    </label>
    <button type="submit">Use token</button>
  </form>`;
}
