/**
 * The OPEN exchange: our OPEN from the configuration, validation of the
 * peer's OPEN, and capability negotiation into a codec context.
 *
 * RFCs: 4271 §4.2, §6.2 (OPEN errors), §10 (hold time 0 or ≥ 3 s; keepalive
 * one third of the hold time); 6286 §2.2 (BGP Identifier non-zero, differs
 * from ours on eBGP); 6793 §3, §4 (4-octet AS capability, AS_TRANS); 4760 §8
 * and 5492 (families; no Multiprotocol capability means IPv4 unicast);
 * 7911 §4 (ADD-PATH per family and direction); 8654 (extended messages);
 * 2918 §4 and 7313 §4 (route refresh); 4724 §3 (graceful restart: Restart
 * State, Restart Time and the Forwarding State bit per family).
 */
import {
  AddPathDirection,
  Afi,
  AS_TRANS,
  BGP_VERSION,
  ErrorCode,
  familyKey,
  OpenErrorSubcode,
  Safi,
} from '../codec/index.js';
import type { AfiSafi, Capability, NotificationMessage, OpenMessage } from '../codec/index.js';
import { FsmReasonCode } from './errors.js';
import type { FsmConfig, Negotiated, NegotiatedGracefulRestart } from './types.js';

/** RFC 4724 §3: the Restart State bit of the 4-bit Restart Flags, and the Forwarding State bit of a family's flags. */
const GR_RESTART_STATE = 0x8;
const GR_FORWARDING_STATE = 0x80;

/** Our OPEN (RFC 4271 §4.2): My AS is AS_TRANS when the local AS needs 4 octets (RFC 6793 §4.1). */
export function buildOpen(config: FsmConfig): OpenMessage {
  const capabilities: Capability[] = config.families.map((f) => ({
    kind: 'multiprotocol',
    afi: f.afi,
    safi: f.safi,
  }));
  if (config.routeRefresh) capabilities.push({ kind: 'route-refresh' });
  if (config.enhancedRouteRefresh) capabilities.push({ kind: 'enhanced-route-refresh' });
  if (config.extendedMessage) capabilities.push({ kind: 'extended-message' });
  if (config.fourOctetAs) capabilities.push({ kind: 'four-octet-as', asn: config.localAs });
  const addPath = config.addPath.filter((a) => a.receive || a.send);
  if (addPath.length > 0) {
    capabilities.push({
      kind: 'add-path',
      families: addPath.map((a) => ({
        afi: a.afi,
        safi: a.safi,
        sendReceive: (a.receive ? AddPathDirection.Receive : 0) | (a.send ? AddPathDirection.Send : 0),
      })),
    });
  }
  const gr = config.gracefulRestart;
  if (gr !== undefined) {
    // RFC 4724 §3: F set for every family. The route server is not in the
    // forwarding path (the VNet forwards to the NVAs), so a restart of ours
    // never loses forwarding state the peer's routes depend on (docs/graceful-restart.md).
    capabilities.push({
      kind: 'graceful-restart',
      flags: gr.restarting ? GR_RESTART_STATE : 0,
      restartTime: gr.restartTimeSeconds,
      families: config.families.map((f) => ({ afi: f.afi, safi: f.safi, flags: GR_FORWARDING_STATE })),
    });
  }
  return {
    type: 'open',
    version: BGP_VERSION,
    myAs: config.localAs > 0xffff ? AS_TRANS : config.localAs,
    holdTime: config.holdTimeSeconds,
    bgpIdentifier: config.localIdentifier,
    capabilities,
  };
}

/** A rejected OPEN: the NOTIFICATION to send and the reason code. */
export interface OpenRejection {
  readonly notification: NotificationMessage;
  readonly code: FsmReasonCode;
  readonly text: string;
}

function reject(subcode: number, code: FsmReasonCode, text: string, data?: Uint8Array): OpenRejection {
  return {
    notification: {
      type: 'notification',
      code: ErrorCode.OpenMessage,
      subcode,
      data: data ?? new Uint8Array(0),
    },
    code,
    text,
  };
}

/**
 * The AS a peer's OPEN presents: the 4-octet AS capability value when there
 * is one (RFC 6793 §4.2), else the My Autonomous System field.
 */
export function presentedAs(open: OpenMessage): number {
  const four = open.capabilities.find((c) => c.kind === 'four-octet-as');
  return four ? four.asn : open.myAs;
}

/**
 * RFC 4271 §6.2 checks, in the RFC's order: version, peer AS, hold time,
 * BGP Identifier. Returns the rejection or undefined when acceptable.
 */
export function validateOpen(open: OpenMessage, config: FsmConfig): OpenRejection | undefined {
  if (open.version !== BGP_VERSION) {
    // RFC 4271 §6.2: the data is the largest version we support, 2 octets.
    return reject(
      OpenErrorSubcode.UnsupportedVersionNumber,
      FsmReasonCode.UnsupportedVersion,
      `peer speaks BGP version ${open.version}`,
      Uint8Array.of(0, BGP_VERSION),
    );
  }
  const asn = presentedAs(open);
  const four = open.capabilities.some((c) => c.kind === 'four-octet-as');
  // RFC 6793 §4.2: with the capability, My AS must be the AS itself or AS_TRANS.
  const myAsConsistent = !four || open.myAs === AS_TRANS || open.myAs === asn;
  if (asn !== config.peerAs || !myAsConsistent) {
    return reject(
      OpenErrorSubcode.BadPeerAs,
      FsmReasonCode.BadPeerAs,
      `peer presents AS ${asn} (My AS ${open.myAs}), configured ${config.peerAs}`,
    );
  }
  if (open.holdTime === 1 || open.holdTime === 2) {
    return reject(
      OpenErrorSubcode.UnacceptableHoldTime,
      FsmReasonCode.UnacceptableHoldTime,
      `hold time ${open.holdTime} s is neither 0 nor at least 3 s`,
    );
  }
  if (open.bgpIdentifier === 0 || open.bgpIdentifier === config.localIdentifier) {
    return reject(
      OpenErrorSubcode.BadBgpIdentifier,
      FsmReasonCode.BadBgpIdentifier,
      open.bgpIdentifier === 0 ? 'BGP Identifier is 0' : 'peer uses our BGP Identifier',
    );
  }
  return undefined;
}

/** RFC 4760 §8 / RFC 5492: without Multiprotocol capabilities a speaker does IPv4 unicast. */
function familiesOf(capabilities: readonly Capability[]): AfiSafi[] {
  const mp = capabilities.filter((c) => c.kind === 'multiprotocol');
  return mp.length > 0
    ? mp.map((c) => ({ afi: c.afi, safi: c.safi }))
    : [{ afi: Afi.Ipv4, safi: Safi.Unicast }];
}

function addPathOf(capabilities: readonly Capability[]): Map<number, number> {
  const out = new Map<number, number>();
  for (const c of capabilities) {
    if (c.kind !== 'add-path') continue;
    for (const f of c.families) out.set(familyKey(f.afi, f.safi), f.sendReceive);
  }
  return out;
}

/** Hold time: the smaller of ours and theirs (RFC 4271 §4.2); keepalive a third of it, or less if configured. */
export function negotiateTimers(
  config: FsmConfig,
  peerHoldTime: number,
): { hold: number; keepalive: number } {
  const hold = Math.min(config.holdTimeSeconds, peerHoldTime);
  if (hold === 0) return { hold: 0, keepalive: 0 };
  const third = Math.floor(hold / 3);
  const keepalive = Math.max(1, Math.min(config.keepaliveSeconds ?? third, third));
  return { hold, keepalive };
}

/**
 * RFC 4724 §4: graceful restart applies when both OPENs carry the
 * capability; of the peer's families, those the session negotiated count.
 */
function negotiateGracefulRestart(
  config: FsmConfig,
  theirs: readonly Capability[],
  families: readonly AfiSafi[],
): NegotiatedGracefulRestart | undefined {
  const capability = theirs.find((c) => c.kind === 'graceful-restart');
  if (config.gracefulRestart === undefined || capability === undefined) return undefined;
  const session = new Set(families.map((f) => familyKey(f.afi, f.safi)));
  return {
    peerRestartTimeSeconds: capability.restartTime,
    peerRestarting: (capability.flags & GR_RESTART_STATE) !== 0,
    families: capability.families
      .filter((f) => session.has(familyKey(f.afi, f.safi)))
      .map((f) => ({
        afi: f.afi,
        safi: f.safi,
        forwardingPreserved: (f.flags & GR_FORWARDING_STATE) !== 0,
      })),
  };
}

/** Capability negotiation over our configuration and an accepted peer OPEN. */
export function negotiate(config: FsmConfig, open: OpenMessage): Negotiated {
  const ours = buildOpen(config).capabilities;
  const theirs = open.capabilities;
  const has = (list: readonly Capability[], kind: Capability['kind']) => list.some((c) => c.kind === kind);
  const peerFamilies = new Set(familiesOf(theirs).map((f) => familyKey(f.afi, f.safi)));
  const families = familiesOf(ours).filter((f) => peerFamilies.has(familyKey(f.afi, f.safi)));
  const ourAddPath = addPathOf(ours);
  const theirAddPath = addPathOf(theirs);
  const addPathReceive = new Set<number>();
  const addPathSend = new Set<number>();
  for (const [key, mine] of ourAddPath) {
    const peer = theirAddPath.get(key) ?? 0;
    // RFC 7911 §5: receive path ids when we said receive and they said send, and vice versa.
    if (mine & AddPathDirection.Receive && peer & AddPathDirection.Send) addPathReceive.add(key);
    if (mine & AddPathDirection.Send && peer & AddPathDirection.Receive) addPathSend.add(key);
  }
  const { hold, keepalive } = negotiateTimers(config, open.holdTime);
  const gracefulRestart = negotiateGracefulRestart(config, theirs, families);
  return {
    context: {
      fourOctetAs: has(ours, 'four-octet-as') && has(theirs, 'four-octet-as'),
      extendedMessage: has(ours, 'extended-message') && has(theirs, 'extended-message'),
      addPathReceive,
      addPathSend,
    },
    holdTimeSeconds: hold,
    keepaliveSeconds: keepalive,
    peerAs: presentedAs(open),
    peerIdentifier: open.bgpIdentifier,
    families,
    peerRouteRefresh: has(theirs, 'route-refresh') || has(theirs, 'enhanced-route-refresh'),
    enhancedRouteRefresh: has(ours, 'enhanced-route-refresh') && has(theirs, 'enhanced-route-refresh'),
    peerOpen: open,
    ...(gracefulRestart === undefined ? {} : { gracefulRestart }),
  };
}
