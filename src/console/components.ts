import { html } from 'htm/preact';
import type { ComponentChildren, VNode } from 'preact';
import type { ApiError } from './api';

/** An API error in words: the broker's code and message. */
export function ErrorNote(props: { error: ApiError | undefined; what?: string }): VNode | null {
  if (!props.error) return null;
  return html`<p class="error" role="alert">
    ${props.what ? `${props.what} failed: ` : ''}<strong>${props.error.code}</strong>:
    ${' '}${props.error.message}
  </p>`;
}

export function Loading(): VNode {
  return html`<p class="muted" aria-live="polite">Loading…</p>`;
}

/** A page heading with an optional line of actions beside it. */
export function Heading(props: { title: string; children?: ComponentChildren }): VNode {
  return html`<header class="page-head">
    <h1>${props.title}</h1>
    ${props.children ? html`<div class="head-actions">${props.children}</div>` : null}
  </header>`;
}

/** A link to a console page (hash routes: the broker serves one page). */
export function PageLink(props: { to: string; children: ComponentChildren }): VNode {
  return html`<a href=${`#${props.to}`}>${props.children}</a>`;
}

/** `/topics/a b` as a hash route with the name escaped. */
export function route(...segments: string[]): string {
  return '/' + segments.map((s) => encodeURIComponent(s)).join('/');
}
