/** For tests: a device CA and a store double holding a few devices, no database. */
import type { Device, FactEvent, NewEvent, EventQuery } from "../../connector/store/types.ts";
import { deviceCaFromPem, generateDeviceCaPem, type DeviceCa } from "../../connector/device-ca/authority.ts";
import type { IssueContext } from "../../connector/device-ca/issue.ts";

export async function newTestCa(now = Date.now()): Promise<DeviceCa> {
  const { certificatePem, keyPem } = await generateDeviceCaPem(now);
  return deviceCaFromPem(certificatePem, keyPem, "store", now);
}

/** Devices by id, events in memory: what issueDeviceCertificate reads and writes. */
export class DeviceTable implements Pick<IssueContext["store"], "getDevice" | "recordEvent" | "listEvents"> {
  readonly devices = new Map<string, Device>();
  readonly events: FactEvent[] = [];

  add(id: string, extra: Partial<Device> = {}): Device {
    const device: Device = {
      id, name: null, publicKey: "", platform: "linux", serial: null, manufacturer: null, model: null, machineId: null,
      username: null, enrolledAt: 0, revokedAt: null, lastSeq: 0, lastSeenAt: null, ...extra,
    };
    this.devices.set(id, device);
    return device;
  }

  async getDevice(id: string): Promise<Device | null> {
    return this.devices.get(id) ?? null;
  }

  async recordEvent(event: NewEvent): Promise<void> {
    this.events.push({ id: this.events.length + 1, ...event });
  }

  async listEvents(q: EventQuery): Promise<FactEvent[]> {
    return this.events
      .filter((e) => (!q.types || q.types.includes(e.type)) && (!q.deviceId || e.deviceId === q.deviceId) && (q.since === undefined || e.at >= q.since))
      .slice(0, q.limit);
  }
}
