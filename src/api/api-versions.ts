/**
 * The `api-version` values this API accepts: the stable Microsoft.Network
 * versions from 2022-01-01 (az CLI's route server commands) to 2026-01-01 (the
 * newest @azure/arm-network). Resource shapes are the same across them for the
 * fields routeserver implements, so every listed version is served alike.
 * Source: the stable folders of azure-rest-api-specs, specification/network.
 */

export const SUPPORTED_API_VERSIONS = [
  '2022-01-01',
  '2022-05-01',
  '2022-07-01',
  '2022-09-01',
  '2022-11-01',
  '2023-02-01',
  '2023-04-01',
  '2023-05-01',
  '2023-06-01',
  '2023-09-01',
  '2023-11-01',
  '2024-01-01',
  '2024-03-01',
  '2024-05-01',
  '2024-07-01',
  '2024-10-01',
  '2025-01-01',
  '2025-03-01',
  '2025-05-01',
  '2025-07-01',
  '2025-09-01',
  '2026-01-01',
] as const;

export type ApiVersion = (typeof SUPPORTED_API_VERSIONS)[number];

export const LATEST_API_VERSION: ApiVersion = '2026-01-01';

const supported: ReadonlySet<string> = new Set(SUPPORTED_API_VERSIONS);

export function isSupportedApiVersion(value: string): value is ApiVersion {
  return supported.has(value);
}
