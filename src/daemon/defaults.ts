/**
 * The embedded defaults of `routeserver serve`, shared with the CLI (which
 * finds a local server through them). Documented in docs/cli.md.
 */

/** where `serve` keeps the SQLite store, the API token and certificate */
export const DEFAULT_DATA_DIR = './data';
export const DEFAULT_API_HOST = '127.0.0.1';
export const DEFAULT_API_PORT = 8443;
/** `serve` writes the URL its API listens on here, so local clients find it */
export const API_URL_FILE = 'api-url';
export const API_TOKEN_FILE = 'api-token';
export const API_CERT_FILE = 'tls/cert.pem';
export const STORE_FILE = 'routeserver.db';

/**
 * routeserver has no subscriptions: ARM paths need a GUID, and this fixed one
 * is what the CLI and the declarative config use unless told otherwise.
 */
export const LOCAL_SUBSCRIPTION_ID = '00000000-0000-0000-0000-000000000000';
/** the directory (tenant) the server's token endpoint answers for unless the configuration names one */
export const LOCAL_TENANT_ID = '00000000-0000-0000-0000-000000000000';
/** the `location` of tracked resources created by the CLI and the config file */
export const LOCAL_LOCATION = 'local';
/** the api-version the CLI sends (the one `az network routeserver` uses) */
export const CLI_API_VERSION = '2024-05-01';
