import { html } from 'htm/preact';
import { render, type VNode } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { onUnauthenticated, tokenStore } from './api';
import { DeadLetterTopicPage } from './pages/dead-letter-topic';
import { DeadLettersPage } from './pages/dead-letters';
import { ShareGroupPage } from './pages/share-group';
import { ShareGroupsPage } from './pages/share-groups';
import { StreamGroupPage } from './pages/stream-group';
import { StreamGroupsPage } from './pages/stream-groups';
import { TokenForm } from './pages/token-form';
import { TopicPage } from './pages/topic';
import { TopicsPage } from './pages/topics';

const SECTIONS = [
  { path: 'topics', name: 'Topics' },
  { path: 'stream-groups', name: 'Stream groups' },
  { path: 'share-groups', name: 'Share groups' },
  { path: 'dead-letters', name: 'Dead letters' },
] as const;

/** The hash route as segments: `#/topics/orders` is ['topics', 'orders']. */
function currentRoute(): string[] {
  const hash = window.location.hash.replace(/^#\/?/, '');
  const segments = hash.split('/').filter((s) => s.length > 0);
  try {
    return segments.map((s) => decodeURIComponent(s));
  } catch {
    return [];
  }
}

function pageFor([section, name]: string[]): VNode {
  switch (section ?? 'topics') {
    case 'stream-groups':
      return name === undefined
        ? html`<${StreamGroupsPage} />`
        : html`<${StreamGroupPage} group=${name} />`;
    case 'share-groups':
      return name === undefined
        ? html`<${ShareGroupsPage} />`
        : html`<${ShareGroupPage} group=${name} />`;
    case 'dead-letters':
      return name === undefined
        ? html`<${DeadLettersPage} />`
        : html`<${DeadLetterTopicPage} topic=${name} />`;
    default:
      return name === undefined ? html`<${TopicsPage} />` : html`<${TopicPage} topic=${name} />`;
  }
}

function App(): VNode {
  const [route, setRoute] = useState(currentRoute());
  const [needsToken, setNeedsToken] = useState(false);
  // Bumped when a token is given, so the page loads again with it.
  const [session, setSession] = useState(0);

  useEffect(() => {
    const onHash = (): void => setRoute(currentRoute());
    window.addEventListener('hashchange', onHash);
    const stop = onUnauthenticated(() => setNeedsToken(true));
    return () => {
      window.removeEventListener('hashchange', onHash);
      stop();
    };
  }, []);

  const section = route[0] ?? 'topics';
  const useToken = (token: string): void => {
    tokenStore.set(token);
    setNeedsToken(false);
    setSession((n) => n + 1);
  };
  const forget = (): void => {
    tokenStore.clear();
    setSession((n) => n + 1);
  };

  return html`<div class="shell">
    <nav aria-label="Console">
      <span class="brand">Weir</span>
      ${SECTIONS.map(
        (s) =>
          html`<a href=${`#/${s.path}`} aria-current=${section === s.path ? 'page' : undefined}
            >${s.name}</a
          >`,
      )}
      ${tokenStore.get() ? html`<button type="button" class="link" onClick=${forget}>Forget token</button>` : null}
    </nav>
    ${needsToken ? html`<${TokenForm} onToken=${useToken} />` : null}
    <main key=${`${session}:${route.join('/')}`}>${pageFor(route)}</main>
  </div>`;
}

const root = document.getElementById('app');
if (root) render(html`<${App} />`, root);
