/**
 * Benchmark traffic source: sends a recorded export stream to 127.0.0.1:PORT at a fixed datagram
 * rate for a fixed time, then prints what it sent as JSON. Loopback only, bounded in time.
 * Usage: node udp-sender.js FILE PORT RATE SECONDS
 * FILE: u32-length-prefixed datagrams; the first is the template, re-sent every 1000 datagrams.
 */
import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';

const [file, portArg, rateArg, secondsArg] = process.argv.slice(2);
const port = Number(portArg);
const rate = Number(rateArg);
const seconds = Number(secondsArg);
const raw = readFileSync(file);
const datagrams: Buffer[] = [];
for (let off = 0; off + 4 <= raw.length; ) {
  const len = raw.readUInt32BE(off);
  datagrams.push(raw.subarray(off + 4, off + 4 + len));
  off += 4 + len;
}
const template = datagrams[0];
const data = datagrams.slice(1);
const socket = createSocket({ type: 'udp4', sendBufferSize: 8 * 1024 * 1024 });
socket.connect(port, '127.0.0.1', () => {
  let sentData = 0;
  let sentTemplates = 0;
  let next = 0;
  const t0 = process.hrtime.bigint();
  const deadline = seconds * 1e9;
  const send = (b: Buffer) => socket.send(b);
  send(template);
  sentTemplates++;
  const tick = () => {
    const elapsed = Number(process.hrtime.bigint() - t0);
    if (elapsed >= deadline) {
      const actualSeconds = elapsed / 1e9;
      setTimeout(() => {
        const cpu = process.cpuUsage();
        process.stdout.write(JSON.stringify({ sentData, sentTemplates, seconds: actualSeconds, achievedRate: sentData / actualSeconds, cpuSeconds: (cpu.user + cpu.system) / 1e6 }) + '\n');
        socket.close();
      }, 200);
      return;
    }
    const target = Math.floor((elapsed / 1e9) * rate);
    let budget = 2000;
    while (sentData < target && budget-- > 0) {
      if (socket.getSendQueueCount() > 4096) break;
      send(data[next]);
      next = (next + 1) % data.length;
      sentData++;
      if (sentData % 1000 === 0) {
        send(template);
        sentTemplates++;
      }
    }
    setImmediate(tick);
  };
  setImmediate(tick);
});
