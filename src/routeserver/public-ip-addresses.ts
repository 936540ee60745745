/**
 * Public IP addresses (`Microsoft.Network/publicIPAddresses`): the Standard,
 * Static, IPv4 address a route server's ipConfiguration names, as Azure
 * requires (docs/azure-behaviour.md §1.5). In Azure the address only
 * reaches the platform's management endpoints; routeserver sends nothing to
 * it. Each address is handed out once, at creation, from 198.18.0.0/15
 * (RFC 2544's benchmarking range, never routed on the Internet), and kept
 * for the resource's life. A public IP an ipConfiguration uses cannot be
 * deleted (PublicIPAddressCannotBeDeleted).
 */
import { formatIpv4, parseIpv4 } from '../lib/prefix.js';
import { checkWriteConditions, deleteRecord, pageOf, type ServiceCore } from './core.js';
import { ROUTE_SERVER_ERROR_CODES as E, RouteServerError } from './errors.js';
import { idKey, inScope, nameFromId, TYPES } from './ids.js';
import type { PublicIpAddressBody, Stored } from './records.js';
import { describe, scopeOfList } from './resource-descriptor.js';
import { trackedBody } from './tracked-rules.js';
import type {
  DeleteResult,
  ListScope,
  Page,
  PutResult,
  ProvisioningState,
  TrackedIdentity,
} from './types.js';
import type { WriteOptions } from './types.js';
import {
  presentPublicIpAddress,
  publicIpAddressInput,
  type PublicIpAddressPutBody,
} from './public-ip-addresses-wire.js';

type PublicIpRecord = Stored<typeof TYPES.publicIpAddress>;

export interface PublicIpAddressResource extends TrackedIdentity {
  readonly ipAddress: string;
  readonly idleTimeoutInMinutes: number;
  /** the ipConfiguration that uses the address, when one does */
  readonly ipConfigurationId: string | null;
  readonly provisioningState: ProvisioningState;
}

export interface PublicIpAddressResourceInput {
  readonly location?: string;
  readonly tags?: Readonly<Record<string, string>>;
  /** only `Standard` (a route server needs it, docs/azure-behaviour.md §1.5) */
  readonly skuName?: string;
  /** only `Regional` */
  readonly skuTier?: string;
  /** only `Static` (a Standard address is always static) */
  readonly allocationMethod?: string;
  /** only `IPv4` */
  readonly version?: string;
  /** 4 to 30, default 4 */
  readonly idleTimeoutInMinutes?: number;
}

/** 198.18.0.0/15 (RFC 2544 §C.2.2): addresses that never meet a real Internet host. */
const POOL_FIRST = parseIpv4('198.18.0.1')!;
const POOL_SIZE = 2 ** 17 - 2;

function refuse(message: string, target: string): never {
  throw new RouteServerError(E.INVALID_VALUE, message, target);
}

function checkInput(input: PublicIpAddressResourceInput): void {
  if (input.skuName !== undefined && input.skuName.toLowerCase() !== 'standard')
    refuse(`sku '${input.skuName}' is not served: a route server needs a Standard public IP`, 'sku.name');
  if (input.skuTier !== undefined && input.skuTier.toLowerCase() !== 'regional')
    refuse(`sku tier '${input.skuTier}' is not served: only Regional`, 'sku.tier');
  if (input.allocationMethod !== undefined && input.allocationMethod.toLowerCase() !== 'static')
    refuse(
      `a Standard public IP is allocated Static, not '${input.allocationMethod}'`,
      'properties.publicIPAllocationMethod',
    );
  if (input.version !== undefined && input.version.toLowerCase() !== 'ipv4')
    refuse(
      `'${input.version}' public IPs are not served: a route server's is IPv4`,
      'properties.publicIPAddressVersion',
    );
  const idle = input.idleTimeoutInMinutes;
  if (idle !== undefined && (!Number.isInteger(idle) || idle < 4 || idle > 30))
    refuse(`idleTimeoutInMinutes is ${idle}; it must be 4 to 30`, 'properties.idleTimeoutInMinutes');
}

/** The lowest address of the pool no stored public IP has. */
function freeAddress(core: ServiceCore): string {
  const used = new Set(core.index.ofType(TYPES.publicIpAddress).map((r) => r.body.ipAddress));
  for (let i = 0; i < POOL_SIZE; i++) {
    const address = formatIpv4((POOL_FIRST + i) >>> 0);
    if (!used.has(address)) return address;
  }
  throw new RouteServerError(E.COUNT_LIMIT, 'every address of 198.18.0.0/15 is handed out', '');
}

/** The ipConfiguration (a route server's or a gateway's) that names this public IP. */
function userOf(core: ServiceCore, id: string): string | null {
  const key = idKey(id);
  const config = core.index
    .ofType(TYPES.ipConfiguration)
    .find((c) => c.body.publicIpAddressId !== null && idKey(c.body.publicIpAddressId) === key);
  return config?.id ?? null;
}

function view(core: ServiceCore, record: PublicIpRecord): PublicIpAddressResource {
  return {
    id: record.id,
    name: record.name,
    etag: record.etag,
    location: record.body.location,
    tags: record.body.tags,
    ipAddress: record.body.ipAddress,
    idleTimeoutInMinutes: record.body.idleTimeoutInMinutes,
    ipConfigurationId: userOf(core, record.id),
    provisioningState: 'Succeeded',
  };
}

function putPublicIp(
  core: ServiceCore,
  id: string,
  input: PublicIpAddressResourceInput,
  options: WriteOptions = {},
): Promise<PutResult<PublicIpAddressResource>> {
  return core
    .write((mutation) => {
      const existing = core.index.get(id, TYPES.publicIpAddress);
      checkWriteConditions(existing, options);
      checkInput(input);
      const body: PublicIpAddressBody = {
        ...trackedBody(input, existing?.body.location),
        ipAddress: existing?.body.ipAddress ?? freeAddress(core),
        idleTimeoutInMinutes: input.idleTimeoutInMinutes ?? existing?.body.idleTimeoutInMinutes ?? 4,
      };
      mutation.put(
        { id: existing?.id ?? id, type: TYPES.publicIpAddress, name: existing?.name ?? nameFromId(id), body },
        options,
      );
      return () => ({
        resource: view(core, core.index.get(id, TYPES.publicIpAddress)!),
        created: existing === undefined,
      });
    })
    .then(({ value, applied }) => ({ ...value, applied }));
}

function deletePublicIp(core: ServiceCore, id: string, options: WriteOptions = {}): Promise<DeleteResult> {
  return deleteRecord(core, id, TYPES.publicIpAddress, options, (mutation, existing) => {
    const user = userOf(core, existing.id);
    if (user !== null) {
      throw new RouteServerError(
        E.IN_USE,
        `public IP address '${existing.name}' is in use by ipConfiguration '${user}'; delete that first`,
        '',
      );
    }
    mutation.delete(existing.id, options);
  });
}

function listPublicIps(core: ServiceCore, scope: ListScope, cursor?: string): Page<PublicIpAddressResource> {
  const records = core.index.ofType(TYPES.publicIpAddress).filter((r) => inScope(r.id, scope));
  return pageOf(records, cursor, core.pageSize, (r) => view(core, r));
}

/** The public IP an ipConfiguration names, which must exist (in any resource group, as in ARM). */
export function requirePublicIp(core: ServiceCore, id: string, target: string): PublicIpRecord {
  const record = core.index.get(id, TYPES.publicIpAddress);
  if (record === undefined)
    throw new RouteServerError(E.INVALID_REFERENCE, `public IP address '${id}' does not exist`, target);
  return record;
}

/** The family's descriptor: `publicIPAddresses`. */
export function publicIpAddressResources(core: ServiceCore) {
  return {
    publicIPAddresses: describe<
      PublicIpAddressResourceInput,
      PublicIpAddressResource,
      PublicIpAddressPutBody
    >({
      types: ['publicIPAddresses'],
      tracked: true,
      get: (id) => {
        const record = core.index.get(id, TYPES.publicIpAddress);
        return record === undefined ? undefined : view(core, record);
      },
      list: (within, cursor) => listPublicIps(core, scopeOfList(within), cursor),
      put: (id, input, options) => putPublicIp(core, id, input, options),
      delete: (id, options) => deletePublicIp(core, id, options),
      actions: {},
      toInput: publicIpAddressInput,
      present: presentPublicIpAddress,
      inUseCode: 'PublicIPAddressCannotBeDeleted',
    }),
  };
}
