// Events the ADS server and the snapshot cache emit, for metrics and logs.
import { EventEmitter } from 'node:events';
import type { ResourceType } from '@portico/xds';
import type { ServedType } from './protocol.js';

export type XdsMode = 'sotw' | 'delta';

export interface StreamEvent {
  streamId: number;
  /** node.id as the proxy sent it (may be empty). */
  node: string;
  /** Proxy group (`namespace/name`) the node was matched to, or undefined when it matches no group name. */
  proxyGroup: string | undefined;
  mode: XdsMode;
}

export interface PushEvent extends StreamEvent {
  typeUrl: string;
  version: string;
  nonce: string;
  /** Resources carried by the response. */
  resources: number;
  /** Names in removed_resources (Delta only). */
  removed: number;
  /** Approximate encoded size of the response. */
  bytes: number;
  /**
   * How the response was found: from the snapshot's change set (a Delta stream in sync with the
   * previous snapshot), or by comparing every resource the stream wants with what it holds.
   */
  computed: 'changes' | 'diff';
}

export interface AckEvent extends StreamEvent {
  typeUrl: string;
  version: string;
  nonce: string;
}

/** A rejected response, as shown by the admin API. Compatible with the admin package's NackError. */
export interface NackError {
  node: string;
  proxyGroup: string | undefined;
  type: ServedType;
  typeUrl: string;
  /** Version of the rejected response (what the server sent with the NACKed nonce). */
  version: string;
  /** version_info the client put in the NACK (the rejected version for grpc clients, the last good one for others). */
  clientVersion: string;
  nonce: string;
  /** Names of the resources in the rejected response. */
  resourceNames: string[];
  /** error_detail.message from the proxy. */
  message: string;
  /** ISO time the NACK arrived. */
  time: string;
}

export interface NackEvent extends NackError {
  streamId: number;
  mode: XdsMode;
}

export interface LargeMessageEvent extends StreamEvent {
  typeUrl: string;
  bytes: number;
  /** Threshold that was crossed (warn or hard limit). */
  limit: number;
  /** True when the message was not sent because it exceeds the hard limit. */
  dropped: boolean;
}

export interface SnapshotEvent {
  version: number;
  groups: number;
  /** Resources whose content changed (added or modified), all groups. */
  changed: number;
  removed: number;
  /** Resources encoded by this snapshot (new content). */
  encoded: number;
}

export interface EncodeErrorEvent {
  proxyGroup: string;
  type: ResourceType;
  name: string;
  message: string;
}

export interface XdsEventMap {
  snapshot: [SnapshotEvent];
  stream_open: [StreamEvent];
  stream_close: [StreamEvent];
  push: [PushEvent];
  ack: [AckEvent];
  nack: [NackEvent];
  large_message: [LargeMessageEvent];
  encode_error: [EncodeErrorEvent];
}

/** Typed emitter; listeners must not throw. */
export class XdsEvents extends EventEmitter<XdsEventMap> {}
