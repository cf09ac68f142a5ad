import type { CollectorStatus } from '../collector/collector.js';

/**
 * Prometheus text exposition (format 0.0.4). Labels are exporter addresses and counter names only:
 * never flow addresses (an unselected record must never become a metric label, Act Art. 22).
 */
export function renderMetrics(status: CollectorStatus, role: string): string {
  const out: string[] = [];
  const counter = (name: string, help: string, rows: [Record<string, string>, number][], type = 'counter') => {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [labels, v] of rows) {
      const l = Object.entries(labels).map(([k, x]) => `${k}="${escapeLabel(x)}"`).join(',');
      out.push(`${name}${l ? `{${l}}` : ''} ${v}`);
    }
  };
  const per = (field: keyof CollectorStatus['exporters'][number]) =>
    status.exporters.map((e) => [{ exporter: e.exporter }, Number(e[field])] as [Record<string, string>, number]);
  counter('sakimori_collector_datagrams_total', 'Export datagrams decoded, per exporter.', per('datagrams'));
  counter('sakimori_collector_bytes_total', 'Export datagram bytes decoded, per exporter.', per('bytes'));
  counter('sakimori_collector_records_total', 'Flow records decoded, per exporter.', per('records'));
  counter('sakimori_collector_malformed_total', 'Malformed datagrams, per exporter.', per('malformed'));
  counter('sakimori_collector_unknown_template_sets_total', 'Data sets that arrived before their template, per exporter.', per('unknownTemplateSets'));
  counter('sakimori_collector_unknown_template_expired_total', 'Held data sets whose template never arrived (records lost), per exporter.', per('unknownTemplateExpired'));
  counter('sakimori_collector_unknown_template_recovered_total', 'Held data sets decoded once their template arrived, per exporter.', per('unknownTemplateRecovered'));
  counter('sakimori_collector_templates_total', 'Templates received, per exporter.', per('templates'));
  counter('sakimori_collector_option_templates_total', 'Options templates received, per exporter.', per('optionTemplates'));
  counter('sakimori_collector_template_withdrawals_total', 'IPFIX template withdrawals, per exporter.', per('templateWithdrawals'));
  counter('sakimori_collector_queue_dropped_total', 'Datagrams dropped because the decode queue was full, per exporter.', per('queueDropped'));
  counter('sakimori_collector_records_stored_total', 'Flow records written to storage.', [[{ role }, status.stored]]);
  counter('sakimori_collector_records_erased_total', 'Flow records erased without being stored.', [[{ role }, status.erased]]);
  counter('sakimori_collector_queue_depth_bytes', 'Bytes waiting in the decode queue.', [[{}, status.queue.depth]], 'gauge');
  counter('sakimori_collector_queue_capacity_bytes', 'Capacity of the decode queue.', [[{}, status.queue.capacity]], 'gauge');
  if (status.hostUdpReceiveBufferErrors !== null) {
    counter('sakimori_host_udp_rcvbuf_errors_total', 'Host-wide UDP datagrams dropped by the kernel for a full receive buffer (/proc/net/snmp).', [[{}, status.hostUdpReceiveBufferErrors]]);
  }
  counter('sakimori_collector_socket_thread_delay_max_seconds', 'Longest event-loop delay of the socket thread since start (nobody reads the sockets meanwhile).', [[{}, status.socketThreadDelayMs.max / 1000]], 'gauge');
  counter('sakimori_collector_socket_thread_delay_p99_seconds', '99th percentile event-loop delay of the socket thread since start.', [[{}, status.socketThreadDelayMs.p99 / 1000]], 'gauge');
  if (status.detection) {
    const d = status.detection;
    counter('sakimori_detection_flows_total', 'Flows live detection observed.', [[{ role }, d.flows]]);
    counter('sakimori_detection_shed_flows_total', 'Flows live detection skipped because decoding was behind (load shedding).', [[{ role }, d.shed]]);
    counter('sakimori_detection_reported_total', 'Detections live detection reported (new or changed).', [[{ role }, d.reported]]);
  }
  const mem = process.memoryUsage();
  counter('sakimori_process_resident_memory_bytes', 'Resident set size.', [[{}, mem.rss]], 'gauge');
  return out.join('\n') + '\n';
}

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}
