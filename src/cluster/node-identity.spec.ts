import { hostname } from 'node:os';
import { identityOnPort } from './node-identity';

describe('identityOnPort', () => {
  it('puts the real port into the default node id and advertised URL when the port was picked at start', () => {
    expect(
      identityOnPort({ nodeId: `${hostname()}-0`, advertisedUrl: 'http://127.0.0.1:0' }, 0, 4321),
    ).toEqual({ nodeId: `${hostname()}-4321`, advertisedUrl: 'http://127.0.0.1:4321' });
  });

  it('keeps an explicit node id and advertised URL, and everything when the port was configured', () => {
    const explicit = { nodeId: 'node-a', advertisedUrl: 'https://weir-a.example:8443' };
    expect(identityOnPort(explicit, 0, 4321)).toEqual(explicit);
    const configured = { nodeId: `${hostname()}-8080`, advertisedUrl: 'http://127.0.0.1:8080' };
    expect(identityOnPort(configured, 8080, 8080)).toEqual(configured);
  });
});
