/**
 * Information Elements the NetFlow v9 and IPFIX decoders read, and the role each one plays in
 * a FlowRecord. Numbers are the IANA "IPFIX Information Elements" registry (RFC 7012 §4);
 * NetFlow v9 field types (RFC 3954 §8) use the same numbers for every element listed here.
 * The mapping per format is documented in docs/reference/flow-fields.md.
 */

/** Private Enterprise Number of RFC 5103 reverse elements (biflows, RFC 5103 §6.1). */
export const REVERSE_PEN = 29305;

/** Field length meaning "variable length" in an IPFIX template (RFC 7011 §7). */
export const VARIABLE_LENGTH = 65535;

/** Role of a template field in decoding. Fields with role Skip are stepped over by length. */
export const enum FieldRole {
  Skip = 0,
  SrcIPv4,
  DstIPv4,
  SrcIPv6,
  DstIPv6,
  SrcPort,
  DstPort,
  Protocol,
  TcpFlags,
  Packets,
  Octets,
  TotalPackets,
  TotalOctets,
  PostPackets,
  PostOctets,
  InIf,
  OutIf,
  InPhysIf,
  OutPhysIf,
  SrcAs,
  DstAs,
  IpVersion,
  IcmpTypeCode,
  IcmpType,
  IcmpCode,
  StartUptime,
  EndUptime,
  StartSeconds,
  EndSeconds,
  StartMilliseconds,
  EndMilliseconds,
  StartNtp,
  EndNtp,
  StartDeltaMicroseconds,
  EndDeltaMicroseconds,
  SystemInitMilliseconds,
  ObservationSeconds,
  ObservationMilliseconds,
  SamplingInterval,
  SamplerId,
  SamplingPacketInterval,
  SamplingPacketSpace,
  SamplingSize,
  SamplingPopulation,
  DataLinkFrameSection,
  DataLinkFrameSize,
  ReversePackets,
  ReverseOctets,
  ReverseTcpFlags,
}

/** Roles whose value is an unsigned integer (reduced-size encoding allowed, RFC 7011 §6.2). */
function isUnsigned(role: FieldRole): boolean {
  return role !== FieldRole.Skip && !isAddress(role) && role !== FieldRole.StartNtp && role !== FieldRole.EndNtp && role !== FieldRole.DataLinkFrameSection;
}

function isAddress(role: FieldRole): boolean {
  return role === FieldRole.SrcIPv4 || role === FieldRole.DstIPv4 || role === FieldRole.SrcIPv6 || role === FieldRole.DstIPv6;
}

function roleOfIanaElement(id: number): FieldRole {
  switch (id) {
    case 1: return FieldRole.Octets; // octetDeltaCount
    case 2: return FieldRole.Packets; // packetDeltaCount
    case 4: return FieldRole.Protocol; // protocolIdentifier
    case 6: return FieldRole.TcpFlags; // tcpControlBits
    case 7: return FieldRole.SrcPort; // sourceTransportPort
    case 8: return FieldRole.SrcIPv4; // sourceIPv4Address
    case 10: return FieldRole.InIf; // ingressInterface
    case 11: return FieldRole.DstPort; // destinationTransportPort
    case 12: return FieldRole.DstIPv4; // destinationIPv4Address
    case 14: return FieldRole.OutIf; // egressInterface
    case 16: return FieldRole.SrcAs; // bgpSourceAsNumber
    case 17: return FieldRole.DstAs; // bgpDestinationAsNumber
    case 21: return FieldRole.EndUptime; // flowEndSysUpTime (v9 LAST_SWITCHED)
    case 22: return FieldRole.StartUptime; // flowStartSysUpTime (v9 FIRST_SWITCHED)
    case 23: return FieldRole.PostOctets; // postOctetDeltaCount
    case 24: return FieldRole.PostPackets; // postPacketDeltaCount
    case 27: return FieldRole.SrcIPv6; // sourceIPv6Address
    case 28: return FieldRole.DstIPv6; // destinationIPv6Address
    case 32: return FieldRole.IcmpTypeCode; // icmpTypeCodeIPv4
    case 34: return FieldRole.SamplingInterval; // samplingInterval (v9 SAMPLING_INTERVAL)
    case 48: return FieldRole.SamplerId; // samplerId (v9 FLOW_SAMPLER_ID)
    case 50: return FieldRole.SamplingInterval; // samplerRandomInterval (v9 FLOW_SAMPLER_RANDOM_INTERVAL)
    case 60: return FieldRole.IpVersion; // ipVersion
    case 85: return FieldRole.TotalOctets; // octetTotalCount
    case 86: return FieldRole.TotalPackets; // packetTotalCount
    case 139: return FieldRole.IcmpTypeCode; // icmpTypeCodeIPv6
    case 150: return FieldRole.StartSeconds; // flowStartSeconds
    case 151: return FieldRole.EndSeconds; // flowEndSeconds
    case 152: return FieldRole.StartMilliseconds; // flowStartMilliseconds
    case 153: return FieldRole.EndMilliseconds; // flowEndMilliseconds
    case 154: return FieldRole.StartNtp; // flowStartMicroseconds
    case 155: return FieldRole.EndNtp; // flowEndMicroseconds
    case 156: return FieldRole.StartNtp; // flowStartNanoseconds
    case 157: return FieldRole.EndNtp; // flowEndNanoseconds
    case 158: return FieldRole.StartDeltaMicroseconds; // flowStartDeltaMicroseconds
    case 159: return FieldRole.EndDeltaMicroseconds; // flowEndDeltaMicroseconds
    case 160: return FieldRole.SystemInitMilliseconds; // systemInitTimeMilliseconds
    case 176: return FieldRole.IcmpType; // icmpTypeIPv4
    case 177: return FieldRole.IcmpCode; // icmpCodeIPv4
    case 178: return FieldRole.IcmpType; // icmpTypeIPv6
    case 179: return FieldRole.IcmpCode; // icmpCodeIPv6
    case 252: return FieldRole.InPhysIf; // ingressPhysicalInterface
    case 253: return FieldRole.OutPhysIf; // egressPhysicalInterface
    case 302: return FieldRole.SamplerId; // selectorId
    case 305: return FieldRole.SamplingPacketInterval; // samplingPacketInterval
    case 306: return FieldRole.SamplingPacketSpace; // samplingPacketSpace
    case 309: return FieldRole.SamplingSize; // samplingSize
    case 310: return FieldRole.SamplingPopulation; // samplingPopulation
    case 312: return FieldRole.DataLinkFrameSize; // dataLinkFrameSize
    case 315: return FieldRole.DataLinkFrameSection; // dataLinkFrameSection (RFC 7133 §4.7)
    case 322: return FieldRole.ObservationSeconds; // observationTimeSeconds
    case 323: return FieldRole.ObservationMilliseconds; // observationTimeMilliseconds
    default: return FieldRole.Skip;
  }
}

function roleOfReverseElement(id: number): FieldRole {
  switch (id) {
    case 1: return FieldRole.ReverseOctets;
    case 2: return FieldRole.ReversePackets;
    case 6: return FieldRole.ReverseTcpFlags;
    default: return FieldRole.Skip;
  }
}

/**
 * Role of a template field, or Skip when the element is not used or its length does not fit
 * its type: addresses must have their full length (RFC 7011 §6.2 allows reduced size for
 * unsigned integers only), unsigned integers 1–8 bytes, NTP timestamps 8 bytes (RFC 7011 §6.1.10).
 * Enterprise-specific elements are skipped except RFC 5103 reverse counters.
 */
export function fieldRole(elementId: number, enterprise: number, length: number): FieldRole {
  const role = enterprise === 0 ? roleOfIanaElement(elementId) : enterprise === REVERSE_PEN ? roleOfReverseElement(elementId) : FieldRole.Skip;
  if (role === FieldRole.Skip) return role;
  if (role === FieldRole.SrcIPv4 || role === FieldRole.DstIPv4) return length === 4 ? role : FieldRole.Skip;
  if (role === FieldRole.SrcIPv6 || role === FieldRole.DstIPv6) return length === 16 ? role : FieldRole.Skip;
  if (role === FieldRole.StartNtp || role === FieldRole.EndNtp) return length === 8 ? role : FieldRole.Skip;
  if (role === FieldRole.DataLinkFrameSection) return length > 0 ? role : FieldRole.Skip;
  if (isUnsigned(role)) return length >= 1 && length <= 8 ? role : FieldRole.Skip;
  return FieldRole.Skip;
}

/**
 * Whether a template with this role describes traffic: addresses, a sampled frame or volume
 * counters. Templates with none of them (NAT pool events, exporter statistics …) yield no records.
 */
export function describesFlow(role: FieldRole): boolean {
  switch (role) {
    case FieldRole.SrcIPv4:
    case FieldRole.DstIPv4:
    case FieldRole.SrcIPv6:
    case FieldRole.DstIPv6:
    case FieldRole.DataLinkFrameSection:
    case FieldRole.Packets:
    case FieldRole.Octets:
    case FieldRole.TotalPackets:
    case FieldRole.TotalOctets:
    case FieldRole.PostPackets:
    case FieldRole.PostOctets:
      return true;
    default:
      return false;
  }
}
