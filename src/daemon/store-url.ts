/**
 * Which store `routeserver serve` runs on: the embedded SQLite file in the
 * data directory (the default), or an etcd v3 cluster shared by several
 * processes (`--store etcd://host:2379[,host:2379…]`, `etcds://` for TLS).
 * Parsing only, so the CLI checks its options without loading the stores.
 */

export type StoreChoice =
  | { readonly kind: 'sqlite' }
  | {
      readonly kind: 'etcd';
      /** client URLs (http:// or https://) */
      readonly endpoints: readonly string[];
      readonly prefix?: string;
      readonly auth?: { readonly username: string; readonly password: string };
      /** PEM files: the CA that signed the members' certificates, and a client certificate and key */
      readonly tls?: { readonly caCertFile: string; readonly certFile?: string; readonly keyFile?: string };
    };

/** `sqlite`, or `etcd://h:p[,h:p…]` / `etcds://…` (TLS); throws with the accepted forms otherwise. */
export function parseStoreUrl(text: string): StoreChoice {
  if (text === 'sqlite') return { kind: 'sqlite' };
  const match = /^(etcds?):\/\/([^/?#]+)\/?$/.exec(text);
  const hosts = match?.[2]?.split(',') ?? [];
  const valid =
    hosts.length > 0 && hosts.every((host) => /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/.test(host));
  if (match === null || !valid) {
    throw new Error(
      `--store '${text}' is not a store: use sqlite (the default) or etcd://HOST:PORT[,HOST:PORT...] (etcds:// for TLS)`,
    );
  }
  const scheme = match[1] === 'etcds' ? 'https' : 'http';
  return { kind: 'etcd', endpoints: hosts.map((host) => `${scheme}://${host}`) };
}
